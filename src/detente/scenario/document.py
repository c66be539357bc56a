"""Read a YAML or TOML document safely: bounded size, UTF-8 only, no alias bombs, no deep nesting, no duplicate keys.

Shared by scenario and experiment files (and uploads). Every refusal is one ``DetenteError`` line naming
the file, the line where known and what to do; nothing here ever raises a traceback on bad input.
"""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from detente.errors import DetenteError, ScenarioError
from detente.limits import Limits, env_name, limits, over_limit
from detente.scenario.tomldoc import Lines, parse_toml

_T = TypeVar("_T")
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"


def read_document(
    path: Path, error: type[DetenteError] = ScenarioError, what: str = "scenario"
) -> tuple[Any, Lines]:
    """Parse a YAML or TOML file into data and a map from field path to line number (errors as ``error``)."""
    text = read_text(path, error)
    suffix = ".toml" if path.suffix.lower() == ".toml" else ".yaml"
    return parse_text(text, str(path), suffix, error, what)


def parse_text(
    text: str | bytes,
    origin: str,
    suffix: str = ".yaml",
    error: type[DetenteError] = ScenarioError,
    what: str = "scenario",
) -> tuple[dict[str, Any], Lines]:
    """Parse YAML/TOML text (e.g. an upload) that must hold a mapping; ``origin`` names it in messages."""
    if isinstance(text, bytes):
        text = decode(text, origin, error)
    if suffix.lower() == ".toml":
        if text.startswith("\ufeff"):
            text = text[1:]
        data, lines = parse_toml(text, origin, error)
        problem = structure_problem(data)
        if problem:
            raise error(f"{origin}: {problem}")
    else:
        data, lines = parse_yaml(text, origin, error)
    if not isinstance(data, dict):
        raise error(f"{origin}: expected a mapping of {what} fields at the top level")
    return data, lines


def read_text(path: Path, error: type[DetenteError] = ScenarioError) -> str:
    """The text of a file, refused before reading if over the size limit and unless it is UTF-8."""
    bound = limits().file_bytes
    try:
        with path.open("rb") as handle:
            size = _size(handle)
            if size is not None and size > bound:
                raise error(_too_big(path, size))
            raw = handle.read(bound + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > bound:
        raise error(_too_big(path, len(raw), more=True))
    return decode(raw, str(path), error)


def _size(handle: Any) -> int | None:
    import os
    import stat

    info = os.fstat(handle.fileno())
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _too_big(path: Path, size: int, more: bool = False) -> str:
    return str(over_limit(str(path), "file_bytes", size, "bytes" + (" or more" if more else "")))


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(raw: bytes, origin: str, error: type[DetenteError] = ScenarioError) -> str:
    """UTF-8 text of ``raw`` (a UTF-8 byte-order mark is dropped); anything else is refused by name."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise error(
                f"{origin}: is not UTF-8 text (looks like {name}, with a byte-order mark); save it as UTF-8"
            )
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in raw:
        guess = _wide_guess(raw[:4096])
        if guess:
            raise error(f"{origin}: is not UTF-8 text (looks like {guess}); save it as UTF-8")
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise error(
            f"{origin}:{line}: is not text (it contains NUL bytes; a binary file?); give a UTF-8 text file"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        raise error(
            f"{origin}:{line}: is not UTF-8 text (byte 0x{byte:02X} at column {column}; "
            "Latin-1 or Windows-1252?); save it as UTF-8"
        ) from None


def _wide_guess(head: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' if the NUL bytes fall where those encodings put them for mostly-ASCII text."""
    n = len(head) - len(head) % 4
    if n < 4:
        return None
    zeros = [sum(1 for i in range(k, n, 4) if head[i] == 0) / (n // 4) for k in range(4)]
    if min(zeros[1:]) > 0.9 or min(zeros[:3]) > 0.9:
        return "UTF-32"
    if min(zeros[1], zeros[3]) > 0.7 or min(zeros[0], zeros[2]) > 0.7:
        return "UTF-16"
    return None


class _Refused(Exception):
    """A document refused while reading: message and 1-based line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _cparser() -> type:
    from yaml.cyaml import CParser

    return CParser


def _loader_bases() -> tuple[type, ...]:
    if getattr(yaml, "__with_libyaml__", False):
        return (_cparser(), yaml.constructor.SafeConstructor, yaml.resolver.Resolver)
    return (
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    )


class _Composer:
    """PyYAML composition with limits: alias uses, nodes after alias expansion, nesting depth.

    It also records the line of every field path as written (aliases are not walked again) and the
    path of every mapping, for messages; composing stays linear in the size of the text.
    """

    def _setup(self, bounds: Limits) -> None:
        self.bounds = bounds
        self.lines: Lines = {}
        self.paths: dict[int, tuple[Any, ...]] = {}
        self.sizes: dict[str, int] = {}
        self.open_anchors: set[str] = set()
        self.anchors: dict[str, Any] = {}
        self.alias_uses = 0
        self.path: list[Any] = []
        self.scalar_tags: dict[
            tuple[str, Any], str
        ] = {}  # implicit tags of short scalars (no path resolvers)

    def get_single_node(self) -> Any:
        self.get_event()  # stream start
        node = None
        if not self.check_event(yaml.StreamEndEvent):
            self.get_event()  # document start
            node, _ = self._compose()
            self.get_event()  # document end
        if not self.check_event(yaml.StreamEndEvent):
            event = self.get_event()
            raise _Refused(
                "expected one YAML document, found a second one ('---')", event.start_mark.line + 1
            )
        self.get_event()
        return node

    def _compose(self, parent: Any = None, index: Any = None) -> tuple[Any, int]:
        where = tuple(self.path)
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            line = event.start_mark.line + 1
            self.alias_uses += 1
            if self.alias_uses > self.bounds.yaml_aliases:
                raise _Refused(
                    str(over_limit("YAML aliases", "yaml_aliases", self.alias_uses, "alias uses (*name)")),
                    line,
                )
            if event.anchor in self.open_anchors:
                raise _Refused(f"alias *{event.anchor} is used inside the node it names (a loop)", line)
            if event.anchor not in self.anchors:
                raise _Refused(f"alias *{event.anchor} names no anchor (&{event.anchor}) above it", line)
            self.lines.setdefault(where, line)
            return self.anchors[event.anchor], self.sizes[event.anchor]
        event = self.peek_event()
        line = event.start_mark.line + 1
        self.lines.setdefault(where, line)
        if len(self.path) > self.bounds.depth:
            shown = _dot(where[:4]) + (f"… ({len(where)} levels)" if len(where) > 4 else "")
            raise _Refused(
                f"{shown}: nesting is deeper than the limit of {self.bounds.depth:,} levels; "
                "set DETENTE_MAX_DEPTH to raise it",
                line,
            )
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise _Refused(f"anchor &{anchor} is defined twice", line)
        if anchor is not None:
            self.open_anchors.add(anchor)
        self.descend_resolver(parent, index)
        if self.check_event(yaml.ScalarEvent):
            node, size = self._compose_scalar(anchor), 1
        elif self.check_event(yaml.SequenceStartEvent):
            node, size = self._compose_sequence(anchor)
        else:
            node, size = self._compose_mapping(anchor, where)
        self.ascend_resolver()
        if anchor is not None:
            self.open_anchors.discard(anchor)
            self.sizes[anchor] = size
        return node, size

    def _grow(self, size: int, more: int, line: int) -> int:
        size += more
        if size > self.bounds.yaml_nodes:
            bound = self.bounds.yaml_nodes
            raise _Refused(
                f"the document expands to more than {bound:,} YAML nodes (each alias use counts the nodes "
                f"of its anchor again), over the limit of {bound:,}; set {env_name('yaml_nodes')} to raise it",
                line,
            )
        return size

    def _compose_scalar(self, anchor: str | None) -> Any:
        event = self.get_event()
        tag = event.tag
        if tag is None or tag == "!":
            key = (event.value, event.implicit)
            tag = self.scalar_tags.get(key) if len(event.value) < 64 else None
            if tag is None:
                tag = self.resolve(ScalarNode, event.value, event.implicit)
                if len(event.value) < 64 and len(self.scalar_tags) < 10_000:
                    self.scalar_tags[key] = tag
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if anchor is not None:
            self.anchors[anchor] = node
        return node

    def _compose_sequence(self, anchor: str | None) -> tuple[Any, int]:
        start = self.get_event()
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(SequenceNode, None, start.implicit)
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        size = 1
        while not self.check_event(yaml.SequenceEndEvent):
            self.path.append(len(node.value))
            child, more = self._compose(node, len(node.value))
            self.path.pop()
            node.value.append(child)
            size = self._grow(size, more, start.start_mark.line + 1)
        node.end_mark = self.get_event().end_mark
        return node, size

    def _compose_mapping(self, anchor: str | None, where: tuple[Any, ...]) -> tuple[Any, int]:
        start = self.get_event()
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(MappingNode, None, start.implicit)
        node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        self.paths[id(node)] = where
        size = 1
        while not self.check_event(yaml.MappingEndEvent):
            key, more = self._compose(node, None)
            size = self._grow(size, more, start.start_mark.line + 1)
            label = key.value if isinstance(key, ScalarNode) else "?"
            self.path.append(label)
            self.lines[(*where, label)] = key.start_mark.line + 1
            value, more = self._compose(node, key)
            self.path.pop()
            size = self._grow(size, more, start.start_mark.line + 1)
            node.value.append((key, value))
        node.end_mark = self.get_event().end_mark
        return node, size


class _Constructor:
    """Safe construction that refuses duplicate and non-text keys and never raises on odd scalars."""

    def _setup_constructor(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            self._check_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _check_keys(self, node: Any) -> None:
        where = self.paths.get(id(node), ())
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    (line, f"{_dot((*where, '?'))}: a key must be plain text, not a list or mapping")
                )
                continue
            key = key_node.value if key_node.tag == _STR else self.construct_object(key_node)
            if not isinstance(key, str) or key in seen:
                shown = _dot((*where, key_node.value))
            if not isinstance(key, str):
                kind = "true/false" if isinstance(key, bool) else type(key).__name__
                self.problems.append(
                    (
                        line,
                        f"{shown}: YAML reads the key {key_node.value!r} as {kind}, not text; "
                        f'quote it ("{key_node.value}") to use it as a name',
                    )
                )
                continue
            if key in seen:
                self.problems.append(
                    (
                        line,
                        f"{shown}: duplicate key {key!r} (lines {seen[key]} and {line}); "
                        "the second would silently replace the first, remove one",
                    )
                )
            else:
                seen[key] = line

    def construct_yaml_int(self, node: Any) -> Any:
        if node.value.count(":") > 4:  # YAML 1.1 base-60 with many parts: quadratic big-int work
            return node.value
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # e.g. more digits than Python converts
            return node.value

    def construct_yaml_float(self, node: Any) -> Any:
        if node.value.count(":") > 4:
            return node.value
        try:
            return super().construct_yaml_float(node)
        except ValueError:
            return node.value

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # '2010-02-30' stays text; the schema names the field
            return node.value


def _dot(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


_Loader: type | None = None


def _init_loader(self: Any, stream: str) -> None:
    if getattr(yaml, "__with_libyaml__", False):
        _cparser().__init__(self, stream)
    else:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
    yaml.constructor.SafeConstructor.__init__(self)
    yaml.resolver.Resolver.__init__(self)


def _loader_class() -> type:
    global _Loader
    if _Loader is None:
        _Loader = type(
            "_SafeLimitedLoader", (_Composer, _Constructor, *_loader_bases()), {"__init__": _init_loader}
        )
        for tag, method in (
            ("tag:yaml.org,2002:int", "construct_yaml_int"),
            ("tag:yaml.org,2002:float", "construct_yaml_float"),
            ("tag:yaml.org,2002:timestamp", "construct_yaml_timestamp"),
        ):
            _Loader.add_constructor(tag, getattr(_Constructor, method))
    return _Loader


def parse_yaml(text: str, origin: str, error: type[DetenteError] = ScenarioError) -> tuple[Any, Lines]:
    """Data and line map of YAML text, within the limits; any problem raises ``error`` naming ``origin``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic objects: collections while building them cost O(n^2) in total
    try:
        return _parse_yaml(text, origin, error)
    finally:
        if collecting:
            gc.enable()


def _parse_yaml(text: str, origin: str, error: type[DetenteError]) -> tuple[Any, Lines]:
    try:
        loader = _loader_class()(text)
        loader._setup(limits())
        loader._setup_constructor()
        try:
            node = loader.get_single_node()
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise error(
            f"{origin}:{exc.line}: {exc.message}" if exc.line else f"{origin}: {exc.message}"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{origin}:{mark.line + 1}" if mark else origin
        problem = exc.problem or exc.context
        if "nesting depth" in str(problem):  # libyaml's own bound, met while scanning ahead
            problem = f"nesting is deeper than the limit of {limits().depth:,} levels; set DETENTE_MAX_DEPTH to raise it"
            raise error(f"{where}: {problem}") from None
        raise error(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        raise error(f"{origin}{_reader_line(text, exc)}: not valid YAML: {_reader_text(exc)}") from None
    except RecursionError:
        raise error(
            f"{origin}: not valid YAML: nesting is too deep; the limit is DETENTE_MAX_DEPTH"
        ) from None
    if loader.problems:
        raise error([f"{origin}:{line}: {message}" for line, message in sorted(loader.problems)])
    return data, loader.lines


def _reader_line(text: str, exc: yaml.YAMLError) -> str:
    position = getattr(exc, "position", None)
    return f":{text.count(chr(10), 0, position) + 1}" if isinstance(position, int) else ""


def _reader_text(exc: yaml.YAMLError) -> str:
    character = getattr(exc, "character", None)
    if isinstance(character, str):
        return f"control character U+{ord(character):04X} is not allowed in YAML text"
    if isinstance(character, int):
        return f"character U+{character:04X} is not allowed in YAML text"
    return str(exc).splitlines()[0]


def structure_problem(data: Any, bound: int | None = None, node_bound: int | None = None) -> str | None:
    """A message if ``data`` nests deeper than ``bound`` or holds more than ``node_bound`` values (None if fine).

    Iterative, so a deep or self-referencing structure cannot exhaust the stack; shared references
    count once per use, so a structure that expands to billions of values is refused early.
    """
    bounds = limits()
    bound = bounds.depth if bound is None else bound
    node_bound = bounds.yaml_nodes if node_bound is None else node_bound
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    count = 0
    while stack:
        value, path = stack.pop()
        count += 1
        if count > node_bound:
            return (
                f"the data holds more than {node_bound:,} values (shared parts counted at each use); "
                "set DETENTE_MAX_YAML_NODES to raise the limit"
            )
        if isinstance(value, dict | list | tuple):
            if len(path) >= bound:
                shown = _dot(path[:4]) + (f"… ({len(path)} levels)" if len(path) > 4 else "")
                return f"{shown}: nesting is deeper than the limit of {bound:,} levels; set DETENTE_MAX_DEPTH to raise it"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((child, (*path, key)) for key, child in items)
    return None


def key_problems(data: Any, bound: int = 20) -> list[tuple[tuple[Any, ...], str]]:
    """(field path, message) for mapping keys that are not text (call after ``structure_problem`` passed)."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack and len(problems) < bound:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):
                    problems.append(((*path, key), f"a key must be text, got {key!r} ({type(key).__name__})"))
                else:
                    stack.append((child, (*path, key)))
        elif isinstance(value, list | tuple):
            stack.extend((child, (*path, i)) for i, child in enumerate(value))
    return problems


_SOURCES: dict[int, str] = {}
"""YAML text each live object was read from (by ``id``; dropped when the object is collected)."""


def remember_source(obj: _T, source: str | Path | None) -> _T:
    """Keep the YAML text ``obj`` was read from (text or a ``.yaml``/``.yml`` path), so ``dump_yaml`` keeps its comments.

    Returns ``obj``. ``None``, TOML files and unreadable files are ignored (the dump is then plain).
    """
    if isinstance(source, Path):
        if source.suffix.lower() not in (".yaml", ".yml"):
            return obj
        try:
            source = read_text(source)
        except DetenteError:
            return obj
    if source is None:
        return obj
    key = id(obj)
    if key not in _SOURCES:
        try:
            weakref.finalize(obj, _SOURCES.pop, key, None)
        except TypeError:  # not weakly referable (a dict, a number): nothing to forget it with
            return obj
    _SOURCES[key] = source
    return obj


def source_of(obj: Any) -> str | None:
    """The YAML text remembered for ``obj`` by ``remember_source`` (None if none)."""
    return _SOURCES.get(id(obj))


def dump_yaml(model: Any, source: str | None = None) -> str:
    """YAML text of a pydantic model such as a scenario (None fields omitted; loads back equal).

    With a source text (``source``, or the one remembered for ``model``) the model's values are written
    into that document, keeping its comments, key order and layout; fields it lacks are added only where
    they differ from their defaults. Without one, or if the source cannot be used, the dump is plain.
    """
    data = model.model_dump(mode="json", exclude_none=True)
    source = source_of(model) if source is None else source
    if source:
        lean = model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        kept = _round_trip(source, data, lean)
        if kept is not None:
            return kept
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


class _Shared(Exception):
    """The source shares a node (an alias or merge key): writing into it would change two places."""


def _round_trip(source: str, full: dict[str, Any], lean: dict[str, Any]) -> str | None:
    """``source`` with ``full``'s values written in (comments kept), or None if the source is unusable."""
    try:
        return edit_yaml(source, lambda doc: _merge(doc, full, lean, set()))
    except (DetenteError, _Shared, ValueError, TypeError, RecursionError):
        return None


def edit_yaml(source: str, edit: Any, origin: str = "source") -> str:
    """``source`` (YAML holding a mapping) after ``edit(mapping)`` changed it in place, comments and layout kept.

    The text is read by the safe reader first (limits, duplicate keys), so ruamel only sees bounded input;
    any problem raises ``ScenarioError`` naming ``origin``.
    """
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    parse_yaml(source, origin)
    mapping, offset = _indents(source)
    rt = YAML(typ="rt")
    rt.width, rt.preserve_quotes, rt.allow_unicode = 4096, True, True  # never refold the author's lines
    rt.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    try:
        doc = rt.load(source)
    except YAMLError as exc:
        raise ScenarioError(f"{origin}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{origin}: expected a mapping of scenario fields at the top level")
    edit(doc)
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


_KEY_LINE = re.compile(r"^( *)(- +)?[^\s#'\"{\[-][^#]*:[ \t]*(#.*)?$")


def _indents(text: str) -> tuple[int, int]:
    """The block indentation of a YAML text: (mapping indent, indent of a list's dash), as first used."""
    mapping = offset = None
    above: int | None = None  # indentation of the key line just above that opens a block
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if above is not None and indent > above:
            if stripped.startswith("- ") and offset is None:
                offset = indent - above
            elif not stripped.startswith("- ") and mapping is None:
                mapping = indent - above
        match = _KEY_LINE.match(line)
        above = indent + len(match.group(2) or "") if match else None
        if mapping is not None and offset is not None:
            break
    return mapping or 2, offset or 0


def _merge(node: Any, full: Any, lean: Any, seen: set[int]) -> Any:
    """``full`` written into the round-trip ``node`` in place where shapes agree; new parts from ``lean``."""
    if isinstance(node, dict) and isinstance(full, dict):
        _visit(node, seen)
        for key in [k for k in node if k not in full]:
            del node[key]
        for key, value in full.items():
            if key in node:
                node[key] = _merge(
                    node[key], value, lean.get(key, value) if isinstance(lean, dict) else value, seen
                )
            elif isinstance(lean, dict) and key in lean and not _default_argument(full, key):
                node[key] = lean[key]
        return node
    if isinstance(node, list) and isinstance(full, list):
        _visit(node, seen)
        lean = lean if isinstance(lean, list) and len(lean) == len(full) else full
        del node[len(full) :]
        for i, value in enumerate(full):
            if i < len(node):
                node[i] = _merge(node[i], value, lean[i], seen)
            else:
                node.append(lean[i])
        return node
    return node if _same(node, full) else full


def _default_argument(dist: dict[str, Any], key: str) -> bool:
    """Whether ``key`` of a distribution mapping (``{dist: beta, ...}``) holds its default value."""
    if not isinstance(dist.get("dist"), str):
        return False
    from detente.scenario import distributions

    model = getattr(distributions, dist["dist"].capitalize(), None)
    field = getattr(model, "model_fields", {}).get(key)
    return field is not None and not field.is_required() and field.default == dist[key]


def _visit(node: Any, seen: set[int]) -> None:
    from ruamel.yaml.comments import merge_attrib

    if id(node) in seen or getattr(node, merge_attrib, None):
        raise _Shared
    seen.add(id(node))


def _same(node: Any, value: Any) -> bool:
    """Whether the source scalar ``node`` already says ``value`` (so its spelling and quotes are kept)."""
    import datetime

    node_is_bool = isinstance(node, bool) or type(node).__name__ == "ScalarBoolean"
    if isinstance(value, bool) or node_is_bool:
        return isinstance(value, bool) and node_is_bool and bool(node) == value
    if isinstance(value, int | float):
        return isinstance(node, int | float) and node == value
    if isinstance(value, str) and isinstance(node, datetime.date):
        return node.isoformat()[: len(value)] == value and len(value) == 10
    return type(node) is not bool and isinstance(node, str) and str(node) == value
