"""Run mutmut over the model's numba equations: ``NUMBA_DISABLE_JIT=1 python scripts/mutation.py run``.

mutmut leaves decorated functions alone, and every §10 equation is decorated (``@equation``, ``@njit``).
With numba off those decorators return the plain function, so mutating them is safe: this wrapper lets
mutmut mutate functions whose only decorators are numba's, gives plain functions the ``py_func`` that
numba dispatchers have, then hands over to mutmut's command line. See docs/mutation.md.
"""

from __future__ import annotations

import os
import sys

NUMBA_DECORATORS = {"equation", "njit", "jit"}


def _numba_only(decorators) -> bool:
    import libcst as cst

    def name(node) -> str:
        if isinstance(node, cst.Call):
            node = node.func
        if isinstance(node, cst.Attribute):
            return node.attr.value
        return node.value if isinstance(node, cst.Name) else ""

    return bool(decorators) and all(name(d.decorator) in NUMBA_DECORATORS for d in decorators)


def _patch_mutmut() -> None:
    import libcst as cst
    from libcst.metadata import PositionProvider
    from mutmut.mutation import file_mutation as fm

    visitor = next(
        v for v in vars(fm).values() if isinstance(v, type) and hasattr(v, "_skip_node_and_children")
    )
    original = visitor._skip_node_and_children

    def skip(self, node):
        if isinstance(node, cst.FunctionDef) and _numba_only(node.decorators):
            position = self.get_metadata(PositionProvider, node, None)
            if position and position.start.line in self._ignored_node_lines:
                self.ignored_functions.add(node.name.value)
                return True
            return node.name.value in fm.NEVER_MUTATE_FUNCTION_NAMES
        return original(self, node)

    visitor._skip_node_and_children = skip


def _patch_numba() -> None:
    import numba

    plain = numba.njit

    def with_py_func(f):
        if not hasattr(f, "py_func"):
            f.py_func = f
        return f

    def njit(*args, **kwargs):
        if args and callable(args[0]) and not kwargs:
            return with_py_func(plain(*args))
        decorate = plain(*args, **kwargs)
        return lambda f: with_py_func(decorate(f))

    numba.njit = njit


def main() -> None:
    if os.environ.get("NUMBA_DISABLE_JIT") != "1":
        sys.exit("set NUMBA_DISABLE_JIT=1: mutants must run as plain Python")
    _patch_mutmut()
    _patch_numba()
    from mutmut.__main__ import cli

    sys.argv[0] = "mutmut"
    cli()


if __name__ == "__main__":
    main()
