#!/usr/bin/env bash
# Generates each addon's README.rst (rebate_management,
# rebate_management_sale, rebate_management_queue) from its OCA readme fragments (<addon>/readme/*.md)
# and its manifest, as OCA does: with
# oca-gen-addon-readme from OCA's maintainer-tools, which converts the
# Markdown fragments with pandoc and assembles them in OCA's order.
#
#   scripts/readme.sh          regenerate the addons' README.rst
#   scripts/readme.sh --check  fail if README.rst is not what the fragments
#                              give (the source digest line aside)
#
# The generator lives in a virtual environment of its own, never in .venv:
# READMEGEN_VENV (default .local/readme-venv). When it has no
# oca-gen-addon-readme, the script installs OCA's maintainer-tools there,
# from MAINTAINER_TOOLS_SRC (a checkout of github.com/OCA/maintainer-tools)
# when set, else from its git repository (maintainer-tools is not on PyPI).
# pandoc must be on the PATH (Debian's package; installed when run as root).
set -euo pipefail
source "$(dirname "$0")/env.sh"

read -ra ADDONS <<<"$ADDONS_ALL"
# The OCA repository the addon is proposed to (as the manifest's website).
ORG=OCA
REPO=account-invoicing
BRANCH=18.0

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option: $1 (see scripts/readme.sh --help)" ;;
esac

GEN_VENV="${READMEGEN_VENV:-$LOCAL/readme-venv}"
GEN="$GEN_VENV/bin/oca-gen-addon-readme"

if ! command -v pandoc >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing pandoc (Debian)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pandoc >/dev/null
    else
        die "pandoc is missing: install Debian's pandoc package."
    fi
fi

if [ ! -x "$GEN" ]; then
    say "Installing OCA's maintainer-tools (oca-gen-addon-readme) into $GEN_VENV"
    python3 -m venv "$GEN_VENV"
    "$GEN_VENV/bin/pip" install -q --upgrade pip
    if [ -n "${MAINTAINER_TOOLS_SRC:-}" ]; then
        # a plain checkout has no git metadata for its version
        SETUPTOOLS_SCM_PRETEND_VERSION="${SETUPTOOLS_SCM_PRETEND_VERSION:-0.0.0}" \
            "$GEN_VENV/bin/pip" install -q "$MAINTAINER_TOOLS_SRC"
    else
        "$GEN_VENV/bin/pip" install -q \
            "oca-maintainers-tools @ git+https://github.com/OCA/maintainer-tools.git" \
            || die "cannot install OCA's maintainer-tools; set MAINTAINER_TOOLS_SRC to a checkout of it"
    fi
fi

# gen ADDON_DIR: README.rst of the addon in ADDON_DIR (no index.html: the
# addon's static/description keeps its own).
gen() {
    "$GEN" --org-name="$ORG" --repo-name="$REPO" --branch="$BRANCH" \
        --addon-dir="$1" --no-gen-html
}

if [ "$check" = 0 ]; then
    for ADDON in "${ADDONS[@]}"; do
        gen "$ROOT/$ADDON"
        say "$ADDON/README.rst generated ($(wc -c <"$ROOT/$ADDON/README.rst") bytes)"
    done
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ADDON in "${ADDONS[@]}"; do
    mkdir "$tmp/$ADDON"
    cp -r "$ROOT/$ADDON/__manifest__.py" "$ROOT/$ADDON/readme" "$tmp/$ADDON/"
    gen "$tmp/$ADDON"
    if diff -u -I 'source digest:' "$ROOT/$ADDON/README.rst" "$tmp/$ADDON/README.rst"; then
        say "$ADDON/README.rst is up to date with its fragments"
    else
        die "$ADDON/README.rst is not what its fragments give: run scripts/readme.sh"
    fi
done
