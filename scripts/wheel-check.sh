#!/usr/bin/env bash
# Test the wheel a user installs, not the checkout: a clean venv, `pip install <wheel>` with the
# default dependencies only, then the README's tour and a smoke test of every module, run from
# a scratch folder outside the source tree. Usage: scripts/wheel-check.sh dist/pluralign-*.whl
set -euo pipefail
WHEEL="$(realpath "$1")"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "wheel-check: $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
t0=$SECONDS
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"
t1=$SECONDS
SITE="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
printf 'wheel-check: pip install (default dependencies) %d s; site-packages %s; %s distributions\n' \
    "$((t1 - t0))" "$(du -sh "$SITE" | cut -f1)" \
    "$("$WORK/venv/bin/python" -m pip list --format=freeze 2>/dev/null | grep -vc '^pip==')"

mkdir "$WORK/run"
cd "$WORK/run"
"$WORK/venv/bin/python" -I "$ROOT/scripts/wheel_smoke.py" "$ROOT/README.md"
"$WORK/venv/bin/pluralign" --help >/dev/null
# The demo needs the report extra: without it, one line that says so, and no traceback.
set +e
"$WORK/venv/bin/pluralign" demo -o "$WORK/run/demo" 2>"$WORK/demo.err"
rc=$?
set -e
if [ "$rc" -ne 2 ] || grep -q Traceback "$WORK/demo.err" || [ "$(wc -l <"$WORK/demo.err")" -ne 1 ] \
        || ! grep -q "pip install 'pluralign\[report\]'" "$WORK/demo.err"; then
    echo "wheel-check: 'pluralign demo' without the report extra: exit $rc" >&2
    cat "$WORK/demo.err" >&2
    exit 1
fi
echo "wheel-check: pluralign demo without extras: $(cat "$WORK/demo.err")"
echo "wheel-check: passed"
