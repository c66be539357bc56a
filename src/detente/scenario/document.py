"""Read a YAML or TOML document safely: bounded size, UTF-8 only, no alias bombs, no deep nesting, no duplicate keys.

Shared by scenario and experiment files (and uploads). Every refusal is one ``DetenteError`` line naming
the file, the line where known and what to do; nothing here ever raises a traceback on bad input.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from detente.errors import DetenteError, ScenarioError
from detente.limits import Limits, env_name, limits, over_limit
from detente.scenario.tomldoc import Lines, parse_toml

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


def dump_yaml(model: Any) -> str:
    """YAML text of a pydantic model such as a scenario (None fields omitted; loads back equal)."""
    data = model.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
