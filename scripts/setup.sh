#!/usr/bin/env bash
# Everything `make run`, `make test`, `make lint` and `make bench` need: a
# virtual environment with Odoo 18's requirements and the project's tools, the
# Odoo source, and a running PostgreSQL. Quick when already done.
# ODOO_SERIES=19 (`make test-19`) does the same for Odoo 19: its source
# ($ODOO19_SRC, else /opt/odoo/19.0) and its own venv, .venv19.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# 1. Odoo source (Odoo 19's with ODOO_SERIES=19: $ODOO19_SRC, /opt/odoo/19.0).
if [ ! -f "$ODOO_BIN" ]; then
    branch="$ODOO_SERIES.0"
    if [ -n "${ODOO_GIT_URL:-}" ] || git ls-remote --exit-code https://github.com/odoo/odoo.git "$branch" >/dev/null 2>&1; then
        say "Cloning Odoo $branch into $ODOO_SRC"
        mkdir -p "$(dirname "$ODOO_SRC")"
        git clone --depth 1 --branch "$branch" "${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}" "$ODOO_SRC"
    else
        die "Odoo $ODOO_SERIES source not found. Put Odoo $branch (Community) at $ODOO_SRC (ODOO_SRC for 18, ODOO19_SRC for 19); the official source could not be reached either."
    fi
fi
grep -q "version_info = ($ODOO_SERIES, 0" "$ODOO_SRC/odoo/release.py" \
    || die "$ODOO_SRC is not Odoo $ODOO_SERIES.0."

# 2. System libraries python-ldap and psycopg2 build against (Debian).
if ! [ -f /usr/include/ldap.h ] || ! [ -f /usr/include/sasl/sasl.h ] || ! command -v pg_config >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing libldap2-dev, libsasl2-dev and libpq-dev"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libldap2-dev libsasl2-dev libpq-dev >/dev/null
    else
        die "Install libldap2-dev, libsasl2-dev and libpq-dev (Debian) first."
    fi
fi

# 2b. Headless Chromium, for the browser tests (tours) and screenshots that
# `make test` runs: Debian's package. In CI the tests fail without it.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
    && ! command -v google-chrome >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing chromium (browser tests)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || say "chromium could not be installed: the browser tests will be skipped (and fail in CI)"
    else
        say "No chromium: install Debian's chromium package for the browser tests (they fail in CI without it)"
    fi
fi

# 3. Python environment.
stamp="$VENV/.rebate-setup"
want="$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements-dev.txt" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Creating the virtual environment in $VENV"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade "pip>=25.3" wheel
    # cbor2 5.4.2 (pinned by Odoo 18 on Python 3.11; 5.4.6 by Odoo 19) does
    # not build with setuptools 81+.
    bc="$(mktemp)"
    echo "setuptools<81" >"$bc"
    "$PY" -m pip install -q --build-constraint "$bc" -r "$ODOO_SRC/requirements.txt"
    "$PY" -m pip install -q --build-constraint "$bc" -r "$ROOT/requirements-dev.txt"
    rm -f "$bc"
    echo "$want" >"$stamp"
fi

# 3b. OCA's queue_job, which rebate_management_queue depends on: its PyPI
# wheel of the series (QUEUE_JOB_REQ, scripts/env.sh), without dependencies.
install_queue_job

# 4. PostgreSQL.
"$ROOT/scripts/pg.sh"
