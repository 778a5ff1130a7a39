#!/usr/bin/env bash
# The tests under pytest (pytest-odoo), as many Odoo developers run them:
# pytest's selection (a file, a class, -k) against a database where the
# addons are installed ($PYTEST_DB, default rebate_pytest: created with the
# addons and their demo data when it does not exist yet; PYTEST_FRESH=1
# recreates it). Browser tests (HttpCase) need Odoo's own runner: make test.
#   scripts/pytest.sh rebate_management/tests/test_rebate_maths.py
#   scripts/pytest.sh rebate_management/tests -k growth
#   make pytest ARGS="rebate_management/tests/test_rebate_tiers.py -q"
set -uo pipefail
source "$(dirname "$0")/env.sh"

DB="${PYTEST_DB:-rebate_pytest}"
ADDONS="${PYTEST_ADDONS:-rebate_management}"
mkdir -p "$LOCAL"
RC_FILE="$LOCAL/pytest-odoo.conf"
cat >"$RC_FILE" <<CONF
[options]
addons_path = $ADDONS_PATH
data_dir = $ODOO_DATA_DIR
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = ${PGPASSWORD:-}
CONF

installed=$(psql -d "$DB" -tAc "SELECT 1 FROM ir_module_module WHERE name = '${ADDONS%% *}' AND state = 'installed'" 2>/dev/null || true)
if [ "${PYTEST_FRESH:-0}" = 1 ] || [ "$installed" != 1 ]; then
    say "Database $DB with $ADDONS installed (log: $LOCAL/pytest-install.log)"
    dropdb --if-exists "$DB" || die "cannot drop database $DB"
    rm -rf "$ODOO_DATA_DIR/filestore/$DB"
    odoo_cmd -d "$DB" -i "${ADDONS// /,}" --stop-after-init --log-level=warn \
        >"$LOCAL/pytest-install.log" 2>&1 || die "installing $ADDONS failed"
fi

[ $# -gt 0 ] || set -- "$ROOT/rebate_management/tests"
cd "$ROOT" || die "no $ROOT"
say "pytest $*"
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" ODOO_RC="$RC_FILE" \
    "$PY" -m pytest -p no:cacheprovider --odoo-database="$DB" "$@"
