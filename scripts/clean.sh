#!/usr/bin/env bash
# Stops the private PostgreSQL cluster and removes everything setup created
# under the project directory (.venv, .venv19, .local).
set -euo pipefail
source "$(dirname "$0")/env.sh"
if [ "$OWN_CLUSTER" = 1 ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop || true
    else
        "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop || true
    fi
fi
rm -rf "$VENV" "$ROOT/.venv19" "$LOCAL"
