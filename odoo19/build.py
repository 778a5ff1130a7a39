"""The addons as Odoo 19 loads them, built from the Odoo 18 checkout.

The repository is written for Odoo 18. What Odoo 19 cannot load as it is,
and what cannot be written to suit both, is rewritten here, into a build
directory that `make test-19` puts on Odoo 19's addons path; the checkout
itself is never touched. Every rewrite is one function below, named after the
Odoo 19 change it follows (docs/odoo19.md lists them):

- manifest_version   "18.0.x.y.z" -> "19.0.x.y.z" (Odoo 19 refuses to install
                     an addon whose version names another series)
- upgrade_code       Odoo 19's own code upgraders (odoo/upgrade_code/):
                     _sql_constraints -> models.Constraint, type="json"
                     routes -> "jsonrpc"
- group_privileges   res.groups hang off a res.groups.privilege, no longer
                     straight off an ir.module.category
- search_groups      a search view's <group> takes no expand nor string
                     (kept on 18, where "Group By" is a translated term)
- renamed_fields     fields Odoo 19 renamed: groups_id -> group_ids (users,
                     actions, menus, views); on sale.order.line (only the
                     sale addon reads it) tax_id -> tax_ids, product_uom ->
                     product_uom_id, and _compute_tax_id -> _compute_tax_ids

Run with Odoo 19's Python (it imports Odoo 19's upgraders):
    python odoo19/build.py ODOO19_SRC OUT_DIR ADDON_DIR...
"""

import re
import shutil
import sys
from pathlib import Path

from lxml import etree

# the upgraders of odoo/upgrade_code/ that the build applies, by name
UPGRADE_SCRIPTS = ("18.1-00-sql-constraint", "18.1-02-route-jsonrpc")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def manifest_version(addon):
    manifest = addon / "__manifest__.py"
    text = manifest.read_text()
    new = re.sub(r'"version": "18\.0\.', '"version": "19.0.', text, count=1)
    if new == text:
        raise SystemExit(f"{manifest}: no 18.0 version to rewrite")
    manifest.write_text(new)


def upgrade_code(odoo_src, out_dir):
    sys.path.insert(0, str(odoo_src))
    from odoo.cli.upgrade_code import migrate  # noqa: PLC0415 (Odoo 19's own)

    for script in UPGRADE_SCRIPTS:
        migrate([str(out_dir)], "**/*", script=script)


def group_privileges(addon):
    """<field name="category_id" ref="X"/> on a res.groups becomes
    <field name="privilege_id" ref="X_privilege"/>, and a res.groups.privilege
    X_privilege (the category's name, in category X) is declared before the
    first group that uses it."""
    for path in sorted(addon.glob("**/*.xml")):
        tree = etree.parse(str(path))
        declared = set()
        for field in tree.xpath(
            "//record[@model='res.groups']/field[@name='category_id'][@ref]"
        ):
            category = field.get("ref")
            field.set("name", "privilege_id")
            field.set("ref", f"{category}_privilege")
            if category not in declared:
                declared.add(category)
                record = field.getparent()
                record.addprevious(_privilege_record(tree, category))
        if declared:
            tree.write(str(path), encoding="UTF-8", xml_declaration=True)


def _privilege_record(tree, category):
    names = tree.xpath(
        f"//record[@id='{category}'][@model='ir.module.category']"
        "/field[@name='name']/text()"
    )
    if not names:
        raise SystemExit(f"category {category} is not declared beside its groups")
    record = etree.Element(
        "record", id=f"{category}_privilege", model="res.groups.privilege"
    )
    etree.SubElement(record, "field", name="name").text = names[0]
    etree.SubElement(record, "field", name="category_id", ref=category)
    record.tail = "\n\n    "
    return record


def search_groups(addon):
    """<group expand="0" string="Group By"> in a search view becomes <group>."""
    for path in sorted(addon.glob("**/*.xml")):
        text = path.read_text()
        new = re.sub(r'<group expand="[01]" string="[^"]*">', "<group>", text)
        if new != text:
            path.write_text(new)


# field names Odoo 19 renamed, as whole words: in every addon, and in the
# addons that use the model only
RENAMES = {"groups_id": "group_ids"}
RENAMES_BY_ADDON = {
    "rebate_management_sale": {
        "tax_id": "tax_ids",
        "_compute_tax_id": "_compute_tax_ids",
        "product_uom": "product_uom_id",
    },
}


def renamed_fields(addon):
    renames = {**RENAMES, **RENAMES_BY_ADDON.get(addon.name, {})}
    pattern = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, renames)))
    for path in sorted(addon.glob("**/*")):
        if path.suffix not in (".py", ".xml", ".js"):
            continue
        text = path.read_text()
        new = pattern.sub(lambda match: renames[match[1]], text)
        if new != text:
            path.write_text(new)


def main(odoo_src, out_dir, *addon_dirs):
    odoo_src, out_dir = Path(odoo_src), Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    addons = []
    for addon_dir in map(Path, addon_dirs):
        addon = out_dir / addon_dir.name
        shutil.copytree(addon_dir, addon, ignore=IGNORED)
        addons.append(addon)
    for addon in addons:
        manifest_version(addon)
        group_privileges(addon)
        search_groups(addon)
        renamed_fields(addon)
    upgrade_code(odoo_src, out_dir)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
