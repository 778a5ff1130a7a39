#!/usr/bin/env bash
# A fresh database, rebate_management installed (with its demo data), and its
# tests run by Odoo's own test runner. Fails on any failed test, and on any
# ERROR, CRITICAL or WARNING logged while installing or testing.
set -uo pipefail
source "$(dirname "$0")/env.sh"

DB="${TEST_DB:-rebate_test}"
TAGS="${TEST_TAGS:-/rebate_management}"
LOG="$LOCAL/test.log"
mkdir -p "$LOCAL"

say "Fresh database $DB"
dropdb --if-exists "$DB" || die "cannot drop database $DB"
rm -rf "$ODOO_DATA_DIR/filestore/$DB"

say "Installing rebate_management and running its tests (log: $LOG)"
start=$(date +%s)
odoo_cmd -d "$DB" -i rebate_management \
    --test-enable --test-tags "$TAGS" \
    --stop-after-init --log-level=test \
    --http-port="${TEST_HTTP_PORT:-18069}" --http-interface=127.0.0.1 \
    --screenshots="$LOCAL/screenshots" \
    >"$LOG" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))

# Log lines start "YYYY-MM-DD HH:MM:SS,mmm PID LEVEL db logger: message".
problems=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$LOG" || true)
summary=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOG" | tail -1)
ran=$(grep -oE '[0-9]+ post-tests in' "$LOG" | tail -1 | cut -d' ' -f1)

failed=0; errors=0; total=0
if [ -n "$summary" ]; then
    failed=$(echo "$summary" | cut -d' ' -f1)
    errors=$(echo "$summary" | cut -d' ' -f3)
    total=$(echo "$summary" | grep -oE 'of [0-9]+' | cut -d' ' -f2)
elif [ -n "$ran" ]; then
    total=$ran
fi
bad=$((failed + errors))

if [ -n "$problems" ]; then
    echo "--- ERROR/WARNING lines logged during install and tests:"
    echo "$problems" | head -60
fi
echo "--- tests of rebate_management: $total run in ${elapsed}s (install included)"
echo "$((total - bad)) passed, $bad failed"

if [ "$rc" != 0 ] || [ "$bad" != 0 ] || [ -n "$problems" ]; then
    echo "FAILED (odoo exit code $rc); see $LOG" >&2
    exit 1
fi
if [ "$total" = 0 ]; then
    echo "FAILED: no test ran" >&2
    exit 1
fi
