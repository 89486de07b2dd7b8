#!/usr/bin/env bash
# `make mutants`: mutation testing of the modules that carry the promises (the list is
# [tool.mutmut] in pyproject.toml). mutmut changes one small thing at a time in a copy of
# the tree (mutants/) and runs the in-process tests that reach the changed function; a
# mutant no test notices is a promise no test guards. Slow (tens of minutes), so not in
# CI. Prints the figures and every surviving mutant; `.venv/bin/mutmut show NAME` shows
# one as a diff. Results are cached in mutants/: a second run retries only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'mutants: %s\n' "$*" >&2; }

.venv/bin/python -m pip install -q -e '.[mutation]' >/dev/null \
  || { say "cannot install mutmut (pip install -e '.[mutation]' failed)"; exit 1; }
jobs=${MUTANTS_JOBS:-$(nproc)}
say "running mutmut with $jobs worker(s)"
.venv/bin/mutmut run --max-children "$jobs" >mutants.log 2>&1 \
  || { tail -n 40 mutants.log; say "mutmut failed; the whole log is mutants.log"; exit 1; }
.venv/bin/mutmut export-cicd-stats >/dev/null
.venv/bin/python - <<'PY'
import json
s = json.load(open("mutants/mutmut-cicd-stats.json"))
print(f"mutants tried {s['total']}: killed {s['killed']}, survived {s['survived']}, "
      f"no test reaches {s['no_tests']}, timed out {s['timeout']}, suspicious {s['suspicious']}")
PY
echo "surviving and unreached mutants (mutmut show NAME for the diff):"
.venv/bin/mutmut results
