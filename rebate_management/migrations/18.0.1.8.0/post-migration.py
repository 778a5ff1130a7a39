# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.rebate_management.tools.migration import reset_rule_domains

# Vendor agreements are for sales managers and accountants: the
# salespeople's and portal users' rules now read customer agreements only.
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
    reset_rule_domains(cr, RULES)
