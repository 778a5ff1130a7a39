#!/usr/bin/env bash
# Starts the project's private PostgreSQL cluster (under .local/pg), or checks
# that the server named by PGHOST answers. PostgreSQL refuses to run as root,
# so as root the cluster belongs to an unprivileged system user.
set -euo pipefail
source "$(dirname "$0")/env.sh"

if [ "$OWN_CLUSTER" = 0 ]; then
    "$PG_BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" \
        || die "PostgreSQL at $PGHOST:$PGPORT does not answer (PG* variables)."
    exit 0
fi

[ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found in $PG_BIN (set PG_BIN, or PGHOST for an existing server)."

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$LOCAL/pg"
if [ "$(id -u)" = 0 ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
    chown "$PG_OS_USER" "$LOCAL/pg"
    # The owner must be able to reach the cluster directory.
    d="$LOCAL/pg"
    while [ "$d" != / ]; do
        chmod o+x "$d" 2>/dev/null || true
        d="$(dirname "$d")"
    done
fi

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in $PGDATA_DIR"
    pwfile="$(mktemp)"
    printf '%s\n' "$PGPASSWORD" >"$pwfile"
    chmod 644 "$pwfile"
    as_owner "$PG_BIN/initdb" -D "$PGDATA_DIR" -U "$PGUSER" --pwfile="$pwfile" \
        -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOCAL/pg/initdb.log"
    rm -f "$pwfile"
    cat >>"$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$LOCAL/pg'
max_connections = 100
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
    say "Starting PostgreSQL on 127.0.0.1:$PGPORT"
    as_owner "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$LOCAL/pg/server.log" -w -t 60 start >/dev/null \
        || { tail -20 "$LOCAL/pg/server.log" >&2; die "PostgreSQL did not start."; }
fi
