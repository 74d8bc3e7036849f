#!/usr/bin/env bash
# The nightly job: `newsarchive update` (discover, fetch, store, index) under a lock, with a log.
#
#   scripts/nightly.sh [extra `newsarchive update` options, e.g. --sources NAME]
#
# Environment (all optional):
#   NEWSARCHIVE_DATA_DIR   the archive (default: <repo>/data)
#   NEWSARCHIVE_VENV       the project's virtual environment (default: <repo>/.venv)
#   NEWSARCHIVE_BIN        the command to run (default: $NEWSARCHIVE_VENV/bin/newsarchive)
#   NEWSARCHIVE_KEEP_LOGS  how many logs to keep (default: 30)
#
# Exit status: that of `newsarchive update` (0 all good, 1 something failed but the run
# completed, 2 the run could not complete); 75 when another nightly run still holds the
# lock (nothing was started); 3 when the wrapper itself cannot run (no flock, no command).
# Prints one line when all is well (cron mails nothing but that line if you redirect it),
# and the end of the log on failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${NEWSARCHIVE_DATA_DIR:-$ROOT/data}"
VENV="${NEWSARCHIVE_VENV:-$ROOT/.venv}"
BIN="${NEWSARCHIVE_BIN:-$VENV/bin/newsarchive}"
KEEP_LOGS="${NEWSARCHIVE_KEEP_LOGS:-30}"
LOG_DIR="$DATA_DIR/logs"
LOCK="$DATA_DIR/.nightly.lock"
EX_LOCKED=75

if ! command -v flock >/dev/null 2>&1; then
    echo "nightly: flock not found (package util-linux)" >&2
    exit 3
fi
if [ ! -x "$BIN" ]; then
    echo "nightly: $BIN is not executable: install the project (make setup) or set NEWSARCHIVE_BIN" >&2
    exit 3
fi
mkdir -p "$LOG_DIR" || exit 3

# The lock lives on fd 9 for the life of this script (and of the command it starts).
exec 9>>"$LOCK" || exit 3
if ! flock -n 9; then
    echo "nightly: another run is still going (lock $LOCK held); not starting a second one" >&2
    exit "$EX_LOCKED"
fi

LOG="$LOG_DIR/update-$(date +%Y%m%d-%H%M%S).log"
started=$(date +%s)
{
    echo "# newsarchive nightly update, $(date -Is), data dir $DATA_DIR"
    echo "# $BIN --data-dir $DATA_DIR update $*"
} >>"$LOG"
"$BIN" --data-dir "$DATA_DIR" update "$@" >>"$LOG" 2>&1
status=$?
echo "# exit status $status after $(( $(date +%s) - started ))s" >>"$LOG"

# Keep the newest $KEEP_LOGS logs (names sort by date).
shopt -s nullglob
logs=("$LOG_DIR"/update-*.log)
if (( ${#logs[@]} > KEEP_LOGS )); then
    rm -f -- "${logs[@]:0:${#logs[@]}-KEEP_LOGS}"
fi

if (( status == 0 )); then
    echo "nightly: ok ($(( $(date +%s) - started ))s), log $LOG"
else
    echo "nightly: newsarchive update exited with status $status, log $LOG" >&2
    tail -n 40 "$LOG" >&2
fi
exit "$status"
