#!/usr/bin/env bash
# The tests run from the addons' wheels, as a company installs them: the
# wheels built (scripts/wheel.sh), installed with `pip install --no-deps`
# into a fresh environment beside Odoo (.local/wheel-venv: its own
# site-packages, the project venv's libraries underneath), and
# scripts/test.sh run with that Python and an addons path without the
# checkout, so Odoo finds each addon only in the installed wheel. A file the
# wheel lacks fails the install or the tests. OCA's queue_job, which
# rebate_management_queue depends on, is installed there from its PyPI wheel
# too, as a company installs it.
#   the same variables as scripts/test.sh (TEST_ADDONS, TEST_TAGS, TEST_DB)
set -euo pipefail
source "$(dirname "$0")/env.sh"

"$ROOT/scripts/wheel.sh"

WHEEL_VENV="$LOCAL/wheel-venv"
say "Fresh environment $WHEEL_VENV with the wheels installed"
rm -rf "$WHEEL_VENV"
"$PY" -m venv --without-pip "$WHEEL_VENV"
site="$("$WHEEL_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
base="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
# Odoo's libraries from the project venv, below the environment's own
"$PY" -c 'import sys; print(sys.argv[1])' "$base" >"$site/project-venv.pth"
"$PY" -m pip --python "$WHEEL_VENV/bin/python" install --quiet --no-deps --no-index \
    "$ROOT"/dist/*.whl 2> >(grep -v '^WARNING: Location' >&2)
install_queue_job "$WHEEL_VENV/bin/python"
for wheel in "$ROOT"/dist/*.whl; do
    addon="$(basename "$wheel" | sed -E 's/^odoo_addon_(.+)-[0-9.]+-py3-none-any\.whl$/\1/')"
    [ -f "$site/odoo/addons/$addon/__manifest__.py" ] || die "$addon is not in the installed wheel"
done

say "Testing the installed wheels (addons path without the checkout)"
rm -f "$LOCAL"/test*.log
rc=0
VENV="$WHEEL_VENV" REBATE_ADDONS_FROM=wheel "$ROOT/scripts/test.sh" || rc=$?
# the addons came from the wheels, never from the checkout (each run's log)
for log in "$LOCAL"/test*.log; do
    paths="$(grep -m1 'addons paths:' "$log" || true)"
    [[ "$paths" == *"$site/odoo/addons"* ]] || die "$log: Odoo did not look in the wheels"
    [[ "$paths" != *"'$ROOT'"* ]] || die "$log: the checkout $ROOT was on the addons path"
done
exit "$rc"
