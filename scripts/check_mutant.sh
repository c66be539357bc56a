#!/usr/bin/env bash
# Apply one hand-written mutant (FROM -> TO, which must occur once in FILE) to a copy of the tree and run
# the compiled engine's tests on it: exit 0 if the mutant is killed, 1 if it survives.
#   scripts/check_mutant.sh src/detente/model/month.py "k == 0 else gain" "k == 1 else gain"
# TESTS="tests/unit/test_model_v2.py ..." runs those tests instead of the default compiled-engine set.
set -euo pipefail
file=$1 from=$2 to=$3
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && git ls-files -co --exclude-standard | grep -v '^mutants/' | tar -cf - -T -) | tar -xf - -C "$work"
python3 - "$work/$file" "$from" "$to" <<'PY'
import sys
path, a, b = sys.argv[1:]
text = open(path).read()
assert text.count(a) == 1, f"{a!r} occurs {text.count(a)} times in {path}"
open(path, "w").write(text.replace(a, b))
PY
cd "$work"
tests=${TESTS:-"tests/unit/test_kernel_golden.py tests/properties/test_step_reference.py tests/unit/test_facts_engine.py tests/unit/test_equation_twins.py"}
# shellcheck disable=SC2086
if PYTHONPATH="$work/src" NUMBA_CACHE_DIR="$work/.nbcache" "$root/.venv/bin/python" -m pytest -q -x -p no:cacheprovider \
    $tests >/dev/null 2>&1; then
  echo "survived: $from -> $to"; exit 1
fi
echo "killed: $from -> $to"
