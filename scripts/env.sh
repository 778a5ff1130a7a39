# Shared settings for the project's scripts; sourced, never run.
# Everything the scripts create lives under the project directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"

# The Odoo series: 18 (the default, what the repository is written for) or 19
# (`make test-19`: Odoo 19's source, its own venv, and the addons as
# odoo19/build.py rewrites them into .local/odoo19/addons; docs/odoo19.md).
ODOO_SERIES="${ODOO_SERIES:-18}"
if [ "$ODOO_SERIES" = 19 ]; then
    # Odoo 19 source: $ODOO19_SRC, else /opt/odoo/19.0.
    ODOO_SRC="${ODOO19_SRC:-/opt/odoo/19.0}"
    VENV="${VENV19:-$ROOT/.venv19}"
    ADDONS_DIR="${ODOO19_BUILD_DIR:-$LOCAL/odoo19/addons}"
else
    # Odoo 18 source: $ODOO_SRC, else /opt/odoo/18.0.
    ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
    VENV="${VENV:-$ROOT/.venv}"
    ADDONS_DIR="$ROOT"
fi
PY="$VENV/bin/python"
ODOO_BIN="$ODOO_SRC/odoo-bin"

# The repository's addons, the core first: rebate_management, then the
# optional addons that extend it.
ADDONS_ALL="rebate_management rebate_management_sale rebate_management_queue"

# OCA's queue_job, which rebate_management_queue depends on: its PyPI wheel
# of the series, and on Odoo 19 openupgradelib (an external dependency of its
# manifest there) with its one requirement Odoo's lack, cssselect
# (scripts/setup.sh, scripts/test_wheel.sh).
if [ "$ODOO_SERIES" = 19 ]; then
    QUEUE_JOB_REQS="odoo-addon-queue_job==19.0.2.4.0.1 openupgradelib==3.13.7 cssselect==1.6.0"
else
    QUEUE_JOB_REQS="odoo-addon-queue_job==18.0.4.1.2.2"
fi

# PostgreSQL: the usual PG* variables select an existing server; without
# PGHOST the project runs its own cluster under .local/pg.
if [ -z "${REBATE_PG_MODE:-}" ]; then
    if [ -z "${PGHOST:-}" ]; then REBATE_PG_MODE=own; else REBATE_PG_MODE=external; fi
    export REBATE_PG_MODE
fi
if [ "$REBATE_PG_MODE" = own ]; then
    OWN_CLUSTER=1
    export PGHOST=127.0.0.1
    export PGPORT="${PGPORT:-54329}"
    export PGUSER="${PGUSER:-odoo}"
    export PGPASSWORD="${PGPASSWORD:-odoo}"
else
    OWN_CLUSTER=0
    export PGPORT="${PGPORT:-5432}"
    export PGUSER="${PGUSER:-odoo}"
fi
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PGDATA_DIR="$LOCAL/pg/data"
PG_OS_USER="${PG_OS_USER:-rebatepg}"

ODOO_DATA_DIR="$LOCAL/odoo-data"
ADDONS_PATH="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_DIR"
# the addons installed from their wheels (scripts/test_wheel.sh): Odoo finds
# them in site-packages (odoo/addons), the checkout is left off the path
if [ "${REBATE_ADDONS_FROM:-checkout}" = wheel ]; then
    ADDONS_PATH="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons"
fi

build_addons() {
    # Odoo 19 only: the repository's addons rewritten for it (odoo19/build.py).
    [ "$ODOO_SERIES" = 19 ] || return 0
    say "Building the addons for Odoo 19 into $ADDONS_DIR"
    local addon dirs=()
    for addon in $ADDONS_ALL; do dirs+=("$ROOT/$addon"); done
    "$PY" "$ROOT/odoo19/build.py" "$ODOO_SRC" "$ADDONS_DIR" "${dirs[@]}" >/dev/null
}

install_queue_job() {
    # OCA's queue_job ($QUEUE_JOB_REQS) into the environment of the Python
    # $1 (default: the project's), unless there already: with
    # `pip install --no-deps` (queue_job's requirement on odoo is the source
    # checkout; requests is in Odoo's requirements). --ignore-installed:
    # into that environment's own site-packages, even when it sees another's
    # (the wheel test environment).
    local python="${1:-$PY}" site req missing=()
    site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    for req in $QUEUE_JOB_REQS; do
        # pip's name of the installed distribution: name_version.dist-info
        [ -d "$site/${req%%==*}-${req#*==}.dist-info" ] \
            || [ -d "$site/$(echo "${req%%==*}" | tr - _)-${req#*==}.dist-info" ] \
            || missing+=("$req")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    say "Installing ${missing[*]} (OCA's queue_job, for rebate_management_queue)"
    "$PY" -m pip --python "$python" install --quiet --no-deps --ignore-installed \
        "${missing[@]}" 2> >(grep -v '^WARNING: Location' >&2)
    [ -f "$site/odoo/addons/queue_job/__manifest__.py" ] \
        || die "queue_job is not in $site after installing $QUEUE_JOB_REQS"
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

odoo_cmd() {
    # Odoo with the project's addons path, database server and data dir.
    "$PY" "$ODOO_BIN" \
        --addons-path="$ADDONS_PATH" \
        --data-dir="$ODOO_DATA_DIR" \
        --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$PGUSER" --db_password="${PGPASSWORD:-}" \
        "$@"
}

odoo_db() {
    # Odoo's own database commands (odoo-bin db dump|load|drop ...), with the
    # project's data dir (the filestore) and database server.
    local pg_path=()
    [ -x "$PG_BIN/pg_dump" ] && pg_path=(--pg_path="$PG_BIN")
    "$PY" "$ODOO_BIN" db \
        --addons-path="$ADDONS_PATH" \
        --data-dir="$ODOO_DATA_DIR" \
        --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$PGUSER" --db_password="${PGPASSWORD:-}" \
        "${pg_path[@]}" \
        "$@"
}
