#!/usr/bin/env bash
# Run every benchmark in bench/ (each bench/*.py with a __main__ block) and print each one's last line.
#
# Usage: bash bench/run_all.sh [extra arguments for bench/load.py, e.g. --sessions 5 --rounds 2]
# Python: $PYTHON, else .venv/bin/python, else python3. Full outputs go to $BENCH_LOG_DIR
# (default: a temporary folder, printed at the end). The load test runs last (it is the slowest).
# Exit status: 0 when every benchmark exited 0, else 1.
set -u
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
LOG_DIR="${BENCH_LOG_DIR:-$(mktemp -d -t bench_logs_XXXXXX)}"
mkdir -p "$LOG_DIR"

scripts=()
for f in bench/*.py; do
    name="$(basename "$f")"
    case "$name" in
        load.py | floor_app.py | _*) continue ;;  # load.py runs last; floor_app.py is its page
    esac
    grep -q '__main__' "$f" && scripts+=("$f")  # picks up bench_sweep.py (Monte-Carlo on Dask) too
done
[ -f bench/load.py ] && scripts+=("bench/load.py")

status=0
summary=()
for f in "${scripts[@]}"; do
    name="$(basename "$f" .py)"
    log="$LOG_DIR/$name.log"
    echo "== $f" >&2
    start=$(date +%s)
    if [ "$name" = "load" ]; then
        "$PY" "$f" "$@" >"$log" 2>&1
    else
        "$PY" "$f" >"$log" 2>&1
    fi
    rc=$?
    secs=$(( $(date +%s) - start ))
    last="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
    [ "$rc" -ne 0 ] && status=1
    summary+=("$name (exit $rc, ${secs}s): $last")
    echo "$name: $last"
done

echo
echo "Summary (full outputs in $LOG_DIR):"
for line in "${summary[@]}"; do
    echo "  $line"
done
exit "$status"
