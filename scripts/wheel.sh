#!/usr/bin/env bash
# Builds each addon's wheel into dist/, as OCA builds its addons' (the whool
# build backend: the manifest's name, version and dependencies as the
# wheel's metadata; the addon under odoo/addons/<addon>). Needs no Odoo:
# only Python and whool, from requirements-dev.txt.
#   WHEEL_ADDONS  the addons (default: every addon of the repository)
#   dist/odoo_addon_<addon>-<manifest version>-py3-none-any.whl
set -euo pipefail
source "$(dirname "$0")/env.sh"

ADDONS="${WHEEL_ADDONS:-$ADDONS_ALL}"
DIST="$ROOT/dist"
rm -rf "$DIST"
mkdir -p "$DIST"
for ADDON in $ADDONS; do
    [ -f "$ROOT/$ADDON/pyproject.toml" ] || die "no pyproject.toml in $ADDON"
    say "Building the wheel of $ADDON"
    # a private copy: the build writes nothing into the checkout
    "$PY" -m pip wheel --quiet --no-deps --no-build-isolation \
        --wheel-dir "$DIST" "$ROOT/$ADDON" 2> >(grep -v '^WARNING: Location' >&2)
done
ls -1 "$DIST"
