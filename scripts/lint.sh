#!/usr/bin/env bash
# Static checks of rebate_management, all offline, all from the venv:
#   1. ruff check and ruff format --check        (ruff.toml)
#   2. pylint + pylint-odoo, the mandatory set    (.pylintrc-mandatory)
#   3. oca-checks-odoo-module                     (manifest, XML, CSV)
#   4. oca-checks-po                              (i18n/*.pot, i18n/*.po)
# Every step runs even when an earlier one fails; the script exits non-zero
# if any failed and ends with one summary line per tool.
#   LINT_OPTIONAL=1 scripts/lint.sh  also runs pylint with .pylintrc (the
#                                    optional checks), which never fails.
set -uo pipefail
source "$(dirname "$0")/env.sh"

# the addons of the repository
read -ra MODULES <<<"$ADDONS_ALL"
cd "$ROOT" || die "cannot enter $ROOT"

for tool in ruff pylint oca-checks-odoo-module oca-checks-po; do
    [ -x "$VENV/bin/$tool" ] || die "$VENV/bin/$tool is missing; run scripts/setup.sh"
done

declare -a SUMMARY=()
failed=0

# run NAME COMMAND...: runs one step, shows its output, records its result.
run() {
    local name="$1"
    shift
    local out rc count
    say "$name"
    out="$("$@" 2>&1)"
    rc=$?
    [ -n "$out" ] && printf '%s\n' "$out"
    # findings: output lines that start with a path of the addon
    count=$(printf '%s\n' "$out" | grep -cE "^(Would reformat: )?rebate_management[a-z_]*/[^ ]+" || true)
    if [ "$rc" = 0 ]; then
        SUMMARY+=("$(printf '%-28s OK' "$name:")")
    else
        failed=1
        SUMMARY+=("$(printf '%-28s FAILED (exit %s, %s finding(s))' "$name:" "$rc" "$count")")
    fi
}

run "ruff check" "$VENV/bin/ruff" check --no-fix --output-format=concise "${MODULES[@]}"
run "ruff format --check" "$VENV/bin/ruff" format --check "${MODULES[@]}"
run "pylint-odoo (mandatory)" "$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc-mandatory" \
    --valid-odoo-versions=18.0 --output-format=text "${MODULES[@]}"
run "oca-checks-odoo-module" "$VENV/bin/oca-checks-odoo-module" "${MODULES[@]}"

shopt -s nullglob
po_files=()
for module in "${MODULES[@]}"; do
    po_files+=("$module"/i18n/*.pot "$module"/i18n/*.po)
done
shopt -u nullglob
if [ "${#po_files[@]}" -gt 0 ]; then
    run "oca-checks-po" "$VENV/bin/oca-checks-po" "${po_files[@]}"
else
    failed=1
    SUMMARY+=("$(printf '%-28s FAILED (no .pot/.po file)' "oca-checks-po:")")
fi

if [ "${LINT_OPTIONAL:-0}" = 1 ] && [ -f "$ROOT/.pylintrc" ]; then
    say "pylint-odoo (optional, informative)"
    out="$("$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" --valid-odoo-versions=18.0 \
        --output-format=text --exit-zero "${MODULES[@]}" 2>&1)"
    [ -n "$out" ] && printf '%s\n' "$out"
    count=$(printf '%s\n' "$out" | grep -cE "^rebate_management[a-z_]*/[^ :]+:[0-9]+:" || true)
    SUMMARY+=("$(printf '%-28s %s finding(s), not blocking' "pylint-odoo (optional):" "$count")")
fi

echo "--- lint summary"
printf '%s\n' "${SUMMARY[@]}"
if [ "$failed" != 0 ]; then
    echo "FAILED" >&2
    exit 1
fi
echo "all checks passed"
