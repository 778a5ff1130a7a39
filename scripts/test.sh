#!/usr/bin/env bash
# For each addon of the repository: a fresh database with the addon installed
# (with its demo data) and its tests run by Odoo's own test runner; the core,
# rebate_management, alone in its database, so that it is tested without the
# addons that extend it. Fails on any failed test, and on any ERROR, CRITICAL
# or WARNING logged while installing or testing.
#   TEST_ADDONS   the addons to test (default: every addon, the core first;
#                 rebate_management_queue needs OCA's queue_job, which
#                 scripts/setup.sh installs)
#   TEST_TAGS     Odoo test tags, e.g. /rebate_management:TestRebateSettlement;
#                 only the addon the tags name is then tested
#   TEST_DB       the core's database (default rebate_test; an addon's is
#                 <TEST_DB>_<addon without rebate_management_>); on Odoo 19
#                 the same names with 19 after them (rebate_test19, ...)
#   ODOO_SERIES   19 runs the same tests on Odoo 19 (`make test-19`), on the
#                 addons odoo19/build.py rewrites for it, with their demo data
#                 (Odoo 19 no longer loads it unless asked)
set -uo pipefail
source "$(dirname "$0")/env.sh"

demo=(); series=""
if [ "$ODOO_SERIES" = 19 ]; then
    demo=(--with-demo); series=19
fi
BASE_DB="${TEST_DB:-rebate_test}$series"
if [ -n "${TEST_TAGS:-}" ] && [ -z "${TEST_ADDONS:-}" ]; then
    TEST_ADDONS=$(echo "$TEST_TAGS" | sed -E 's#^[-/]*([a-z_0-9]+).*#\1#')
fi
ADDONS="${TEST_ADDONS:-$ADDONS_ALL}"
mkdir -p "$LOCAL"
build_addons

grand_total=0; grand_bad=0; status=0
for ADDON in $ADDONS; do
    [ -f "$ROOT/$ADDON/__manifest__.py" ] || die "no addon $ADDON in $ROOT"
    if [ "$ADDON" = rebate_management ]; then
        DB="$BASE_DB"; LOG="$LOCAL/test$series.log"
    else
        DB="${BASE_DB}_${ADDON#rebate_management_}"; LOG="$LOCAL/test$series-$ADDON.log"
    fi
    TAGS="${TEST_TAGS:-/$ADDON}"
    say "Fresh database $DB"
    dropdb --if-exists "$DB" || die "cannot drop database $DB"
    rm -rf "$ODOO_DATA_DIR/filestore/$DB"

    say "Installing $ADDON and running its tests (log: $LOG)"
    start=$(date +%s)
    odoo_cmd -d "$DB" -i "$ADDON" "${demo[@]}" \
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
    echo "--- tests of $ADDON: $total run in ${elapsed}s (install included)"
    echo "$((total - bad)) passed, $bad failed"

    if [ "$rc" != 0 ] || [ "$bad" != 0 ] || [ -n "$problems" ]; then
        echo "FAILED (odoo exit code $rc); see $LOG" >&2
        status=1
    fi
    if [ "$total" = 0 ]; then
        echo "FAILED: no test of $ADDON ran" >&2
        status=1
    fi
    grand_total=$((grand_total + total)); grand_bad=$((grand_bad + bad))
done

echo "--- all addons: $((grand_total - grand_bad)) passed, $grand_bad failed"
exit $status
