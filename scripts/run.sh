#!/usr/bin/env bash
# Odoo on 127.0.0.1 with a database that has the addons (rebate_management and
# rebate_management_sale) and their demo data.
set -euo pipefail
source "$(dirname "$0")/env.sh"

DB="${RUN_DB:-rebate_demo}"
PORT="${HTTP_PORT:-8069}"

installed=$(psql -d "$DB" -tAc \
    "SELECT 1 FROM ir_module_module WHERE name = 'rebate_management_sale' AND state = 'installed'" \
    2>/dev/null || true)
update=()
if [ "$installed" != 1 ]; then
    say "Creating database $DB with the rebate addons and their demo data (a few minutes)"
    dropdb --if-exists "$DB"
    rm -rf "$ODOO_DATA_DIR/filestore/$DB"
    odoo_cmd -d "$DB" -i rebate_management,rebate_management_sale --stop-after-init --log-level=warn \
        --http-port="$PORT" --http-interface=127.0.0.1
else
    # bring an existing database up to the checked-out code
    update=(-u rebate_management,rebate_management_sale)
fi

say "Odoo 18 with rebate_management and rebate_management_sale: http://127.0.0.1:$PORT  (login admin, password admin)"
say "A customer's portal: login bluepeak, password bluepeak (Blue Peak Hardware's rebates at /my/rebates)"
say "Open the Rebates app (accountants also find it under Invoicing > Rebates). Stop with Ctrl-C."
exec "$PY" "$ODOO_BIN" \
    --addons-path="$ADDONS_PATH" --data-dir="$ODOO_DATA_DIR" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" --db_password="${PGPASSWORD:-}" \
    -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 --http-port="$PORT" \
    "${update[@]}"
