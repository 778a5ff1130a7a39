#!/usr/bin/env bash
# A backup of the project's database with its filestore, by Odoo's own
# `odoo-bin db dump`: one zip (dump.sql, filestore/, manifest.json) that
# `make restore FILE=...` (scripts/restore.sh) loads again.
#   BACKUP_DB    the database (default: $RUN_DB, else rebate_demo, the one
#                `make run` serves)
#   BACKUP_DIR   where the zip goes (default .local/backups)
#   BACKUP_KEEP  how many zips of that database to keep, the newest
#                (default 14; 0 keeps them all)
# Prints the zip's path.
set -euo pipefail
source "$(dirname "$0")/env.sh"

DB="${BACKUP_DB:-${RUN_DB:-rebate_demo}}"
DIR="${BACKUP_DIR:-$LOCAL/backups}"
KEEP="${BACKUP_KEEP:-14}"
[[ "$KEEP" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP must be a number"
psql -d "$DB" -tAc "SELECT 1" >/dev/null 2>&1 || die "no database $DB to back up"

mkdir -p "$DIR"
FILE="$DIR/${DB}_$(date -u +%Y%m%d_%H%M%S).zip"
say "Backing up $DB with its filestore to $FILE"
# written aside, then renamed: an interrupted dump never looks complete
odoo_db dump "$DB" "$FILE.part"
mv "$FILE.part" "$FILE"

if [ "$KEEP" != 0 ]; then
    # the oldest zips of this database beyond the newest $KEEP
    ls -1t "$DIR/${DB}"_????????_??????.zip | tail -n +"$((KEEP + 1))" | while read -r old; do
        rm -f -- "$old"
    done
fi
echo "$FILE"
