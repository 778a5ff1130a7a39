#!/usr/bin/env bash
# Unpack OCA's agreement_rebate 18.0 and the two addons it depends on
# (agreement, account_invoice_refund_link) from their PyPI wheels into a
# directory, for the benchmark's comparison stage only:
#
#   bench/get-oca-addons.sh [DIR]        # DIR defaults to .local/oca-addons
#   scripts/bench.sh --oca .local/oca-addons
#
# They are AGPL-3 and never a dependency of rebate_management: nothing of them
# is committed, and the benchmark installs them in a database of its own.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"

target="${1:-$LOCAL/oca-addons}"
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
"$PY" -m pip download -q --no-deps -d "$wheels" \
    "odoo-addon-agreement-rebate==18.0.*" \
    "odoo-addon-agreement==18.0.*" \
    "odoo-addon-account_invoice_refund_link==18.0.*"
mkdir -p "$target"
for wheel in "$wheels"/*.whl; do
    "$PY" -m zipfile -e "$wheel" "$wheels/unpacked"
done
cp -r "$wheels"/unpacked/odoo/addons/* "$target"/
say "OCA addons in $target: $(ls "$target" | tr '\n' ' ')"
