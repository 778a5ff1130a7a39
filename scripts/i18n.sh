#!/usr/bin/env bash
# Regenerates each addon's i18n/<addon>.pot (rebate_management,
# rebate_management_sale, rebate_management_queue) with Odoo's own exporter, from a throw-away database
# where the addons are installed without demo data, then merges the template into each translation (zh_CN.po by
# default): existing translations are kept, new terms come in untranslated,
# terms gone from the code are dropped. The files are written in the layout
# oca-checks-po expects (sorted by msgid, wrapped at 78 columns), without the
# creation/revision dates so a run that changes no term changes no file.
#
#   scripts/i18n.sh                 # all languages listed in I18N_LANGS
#   I18N_LANGS="zh_CN fr" scripts/i18n.sh
#   I18N_CHECK=1 scripts/i18n.sh    # CI (make i18n-check): fails when a
#                                   # template or translation was out of date
#                                   # or a term lacks its translation
#
# The database ($I18N_DB, default rebate_i18n) is dropped when the script ends.
set -uo pipefail
source "$(dirname "$0")/env.sh"

MODULES="${I18N_MODULES:-$ADDONS_ALL}"
DB="${I18N_DB:-rebate_i18n}"
LANGS="${I18N_LANGS:-zh_CN}"
LOG="$LOCAL/i18n.log"
mkdir -p "$LOCAL"

TMP_POT="$(mktemp --suffix=.pot)"
drop_db() {
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "$ODOO_DATA_DIR/filestore/$DB"
}
cleanup() {
    drop_db
    rm -f "$TMP_POT"
}
trap cleanup EXIT

say "Fresh database $DB with $MODULES installed, no demo data (log: $LOG)"
PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$DB" || die "cannot drop database $DB"
rm -rf "$ODOO_DATA_DIR/filestore/$DB"
odoo_cmd -d "$DB" -i "${MODULES// /,}" --without-demo=all --stop-after-init \
    --log-level=warn >"$LOG" 2>&1 \
    || die "installing $MODULES failed; see $LOG"

for MODULE in $MODULES; do
I18N_DIR="$ROOT/$MODULE/i18n"
mkdir -p "$I18N_DIR"

# Odoo 18 has no `i18n` sub-command: the server's --i18n-export option writes
# the terms of --modules and exits; without -l the file is a template.
say "Exporting the terms of $MODULE"
odoo_cmd -d "$DB" --i18n-export="$TMP_POT" --modules="$MODULE" \
    --log-level=warn >>"$LOG" 2>&1 \
    || die "exporting the terms failed; see $LOG"
[ -s "$TMP_POT" ] || die "the export wrote nothing; see $LOG"

say "Writing $MODULE.pot and merging it into: $LANGS"
# shellcheck disable=SC2086  # one argument per language
"$PY" - "$TMP_POT" "$I18N_DIR" "$MODULE" $LANGS <<'PYTHON'
import os
import re
import sys

import polib
from babel.messages.plurals import get_plural

src_pot, i18n_dir, module, *langs = sys.argv[1:]
DROPPED_METADATA = ("POT-Creation-Date", "PO-Revision-Date")
# printf placeholders (named or not) and str.format fields of messages
# raised from Python; a translation must keep exactly the same ones.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0+]*\d*(?:\.\d+)?[sdifr]|\{\w*\}"
)


def from_python(entry):
    return "python-format" in entry.flags or "odoo-python" in (entry.comment or "")


def pretty(po):
    # The layout oca-checks-po (po-pretty-format) checks: entries sorted by
    # msgid, no msgstr equal to its msgid, polib's 78-column wrapping.
    po.sort(key=lambda entry: entry.msgid)
    for entry in po:
        if entry.msgstr == entry.msgid:
            entry.msgstr = ""
    return str(po)


def write(path, text):
    old = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    if old != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return old != text


pot = polib.pofile(src_pot, wrapwidth=78)
for key in DROPPED_METADATA:
    pot.metadata.pop(key, None)
pot_path = os.path.join(i18n_dir, f"{module}.pot")
changed = write(pot_path, pretty(pot))
print(f"{module}.pot: {len(pot)} terms{' (updated)' if changed else ', unchanged'}")

problems = 0
for lang in langs:
    po_path = os.path.join(i18n_dir, f"{lang}.po")
    old = polib.pofile(po_path, wrapwidth=78) if os.path.exists(po_path) else None
    known = {}
    if old is not None:
        # obsolete (#~) entries count too, so a term that comes back keeps
        # its translation
        known = {e.msgid: e.msgstr for e in old if e.msgstr}

    po = polib.POFile(wrapwidth=78)
    po.header = old.header if old is not None and old.header else pot.header
    metadata = dict(pot.metadata)
    if old is not None:
        # translator-owned keys survive; the template's keys are refreshed
        for key, value in old.metadata.items():
            if key in ("Last-Translator", "Language-Team") or key not in metadata:
                metadata[key] = value
    for key in DROPPED_METADATA:
        metadata.pop(key, None)
    metadata["Language"] = lang
    nplurals, plural = get_plural(lang)
    metadata["Plural-Forms"] = f"nplurals={nplurals}; plural={plural};"
    metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata = metadata

    missing = 0
    for template_entry in pot:
        entry = polib.POEntry(
            msgid=template_entry.msgid,
            msgstr=known.get(template_entry.msgid, ""),
            comment=template_entry.comment,
            tcomment=template_entry.tcomment,
            occurrences=list(template_entry.occurrences),
            flags=list(template_entry.flags),
        )
        if not entry.msgstr:
            missing += 1
        elif from_python(entry) and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(
            PLACEHOLDER.findall(entry.msgstr)
        ):
            problems += 1
            print(f"  {lang}.po: placeholders differ for msgid {entry.msgid!r}")
        po.append(entry)
    dropped = len(set(known) - {e.msgid for e in pot})
    changed = write(po_path, pretty(po))
    print(
        f"{lang}.po: {len(po) - missing}/{len(po)} translated, {missing} missing, "
        f"{dropped} dropped{' (updated)' if changed else ', unchanged'}"
    )
    if os.environ.get("I18N_CHECK") == "1" and missing:
        problems += 1
        print(f"  {lang}.po: {missing} term(s) without a translation")
sys.exit(1 if problems else 0)
PYTHON
rc=$?
[ "$rc" = 0 ] || die "translations of $MODULE: placeholders that differ, or terms untranslated"
done
if [ "${I18N_CHECK:-0}" = 1 ]; then
    stale=$(cd "$ROOT" && git status --porcelain -- '*/i18n/*')
    [ -z "$stale" ] || die "the translation files were out of date with the code (now regenerated; commit them):
$stale"
    say "Translations whole: every template up to date, every term translated"
    exit 0
fi
say "Done; check with: $VENV/bin/oca-checks-po */i18n/*.po*"
