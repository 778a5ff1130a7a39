#!/usr/bin/env bash
# The crash drill of the scheduled close (issue #31, part 1): a database with
# seven agreements whose four quarters of last year are due; the scheduled
# close run in a separate Odoo process, in batches of two, that is killed
# (SIGKILL) while its second batch is written but not committed; then run
# again to the end, as the scheduler would. Nothing may be lost or doubled:
# each agreement has its four settlements once, and each first quarter's
# rebate equals 2 % of the base recomputed in SQL from the invoice lines.
#   DRILL_DB     the database (default rebate_close_drill, created afresh)
#   DRILL_KEEP=1 keep it afterwards
# Exits non-zero when a settlement is missing, doubled or wrong.
set -euo pipefail
source "$(dirname "$0")/env.sh"

DB="${DRILL_DB:-rebate_close_drill}"
DRILL="$ROOT/scripts/drill"
LOG="$LOCAL/close_drill.log"
mkdir -p "$LOCAL"
start=$SECONDS

cleanup() {
    [ "${DRILL_KEEP:-}" = 1 ] || odoo_db drop "$DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

shell() {
    "$PY" "$ODOO_BIN" shell -d "$DB" --addons-path="$ADDONS_PATH" \
        --data-dir="$ODOO_DATA_DIR" --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$PGUSER" --db_password="${PGPASSWORD:-}" \
        --no-http --log-level=warn
}

say "Fresh database $DB with rebate_management, no demo data (log: $LOG)"
odoo_db drop "$DB" >/dev/null 2>&1 || true
odoo_cmd -d "$DB" -i rebate_management --without-demo=all --stop-after-init \
    --log-level=warn >"$LOG" 2>&1 || die "installing failed; see $LOG"

say "Seven agreements, last year's quarters due; batches of two"
shell <"$DRILL/close_setup.py" >>"$LOG" 2>&1 || die "the setup failed; see $LOG"

say "The scheduled close in another process, killed in its second batch"
shell <"$DRILL/close_crash.py" >"$LOCAL/close_drill_crash.out" 2>>"$LOG" &
pid=$!
for _ in $(seq 1 120); do
    grep -q "^BATCH 2 WRITTEN" "$LOCAL/close_drill_crash.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
done
grep -q "^BATCH 2 WRITTEN" "$LOCAL/close_drill_crash.out" \
    || die "the close never reached its second batch; see $LOG"
# the Odoo process and its children, as a crash takes them
pkill -KILL -P "$pid" 2>/dev/null || true
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
say "Killed after: $(tr '\n' ' ' <"$LOCAL/close_drill_crash.out")"

say "The scheduled close run again to the end, then checked"
shell <"$DRILL/close_resume.py" 2>>"$LOG" | tee -a "$LOG" | grep -E '^(RUN|CHECK)' \
    || die "the resume failed; see $LOG"
grep -q "^CHECK OK" "$LOG" || die "settlements missing, doubled or wrong; see $LOG"
say "Crash drill passed in $((SECONDS - start)) s"
