# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.rebate_management.tools.migration import reset_rule_domains

# Rules that now also open a buying group to its members' salespeople and
# portal users.
RULES = (
    "rebate_agreement_rule_salesperson_read",
    "rebate_agreement_tier_rule_salesperson_read",
    "rebate_accrual_rule_salesperson",
    "rebate_settlement_alert_rule_salesperson",
    "rebate_analysis_rule_salesperson",
    "rebate_settlement_rule_salesperson",
    "rebate_agreement_rule_portal",
    "rebate_agreement_tier_rule_portal",
    "rebate_settlement_rule_portal",
)


def migrate(cr, version):
    """The members of a buying group read it: its rules' new domains."""
    reset_rule_domains(cr, RULES)
