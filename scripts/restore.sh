#!/usr/bin/env bash
# Restore a backup (scripts/backup.sh's zip, or a zip from Odoo's database
# manager) by Odoo's own `odoo-bin db load`: the database and its filestore.
#   FILE         the zip to restore (required)
#   RESTORE_DB   the database to create (default: $RUN_DB, else rebate_demo)
#   FORCE=1      replace that database if it exists (else refuse)
#   NEUTRALIZE=1 neutralize the restored database (mail servers, crons...
#                off: a copy for tests or training)
# Odoo loads the dump as a copy: the restored database gets a new uuid.
set -euo pipefail
source "$(dirname "$0")/env.sh"

[ -n "${FILE:-}" ] || die "usage: make restore FILE=path/to/backup.zip [RESTORE_DB=name] [FORCE=1]"
[ -f "$FILE" ] || die "no backup file $FILE"
DB="${RESTORE_DB:-${RUN_DB:-rebate_demo}}"
args=()
[ "${FORCE:-}" = 1 ] && args+=(--force)
[ "${NEUTRALIZE:-}" = 1 ] && args+=(--neutralize)

say "Restoring $FILE as database $DB"
odoo_db load "${args[@]}" "$DB" "$FILE"
say "Restored $DB; bring it up to the checked-out code with: RUN_DB=$DB make run"
