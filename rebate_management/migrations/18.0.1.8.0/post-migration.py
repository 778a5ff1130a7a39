# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_path

# The record rules are data with noupdate="1": an update keeps the old
# domain. Vendor agreements are for sales managers and accountants: the
# salespeople's and portal users' rules now read customer agreements only;
# their domains are read from the data file itself.
RULES = (
    "rebate_agreement_rule_salesperson_read",
    "rebate_agreement_rule_salesperson_edit",
    "rebate_agreement_tier_rule_salesperson_read",
    "rebate_agreement_tier_rule_salesperson_edit",
    "rebate_accrual_rule_salesperson",
    "rebate_settlement_rule_salesperson",
    "rebate_settlement_alert_rule_salesperson",
    "rebate_analysis_rule_salesperson",
    "rebate_agreement_rule_portal",
    "rebate_agreement_tier_rule_portal",
    "rebate_settlement_rule_portal",
)


def migrate(cr, version):
    """Vendor agreements: out of the salespeople's and portal's rules."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    data = etree.parse(
        file_path("rebate_management/security/rebate_management_security.xml")
    )
    for xmlid in RULES:
        rule = env.ref(f"rebate_management.{xmlid}", raise_if_not_found=False)
        if rule:
            [domain] = data.xpath(
                f"//record[@id='{xmlid}']/field[@name='domain_force']/text()"
            )
            rule.domain_force = domain
