# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_path

SECURITY_FILE = "rebate_management/security/rebate_management_security.xml"


def reset_rule_domains(cr, xmlids):
    """Give the record rules ``xmlids`` of this module the domains of its
    security file: the file is data with noupdate="1", so an update keeps
    the old domains; a migration that changes them calls this."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    data = etree.parse(file_path(SECURITY_FILE))
    for xmlid in xmlids:
        rule = env.ref(f"rebate_management.{xmlid}", raise_if_not_found=False)
        if rule:
            [domain] = data.xpath(
                f"//record[@id='{xmlid}']/field[@name='domain_force']/text()"
            )
            rule.domain_force = domain
