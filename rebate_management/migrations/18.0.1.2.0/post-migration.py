# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import SUPERUSER_ID, api

# The record rules are data with noupdate="1": an update keeps the old domain.
RULES = {
    "rebate_agreement_rule_salesperson_edit": "['&', ('state', 'in', ('draft', "
    "'to_approve')), '|', ('partner_id.user_id', '=', user.id), "
    "('commercial_partner_id.user_id', '=', user.id)]",
    "rebate_agreement_tier_rule_salesperson_edit": "['&', ('agreement_id.state', "
    "'in', ('draft', 'to_approve')), '|', ('agreement_id.partner_id.user_id', '=', "
    "user.id), ('agreement_id.commercial_partner_id.user_id', '=', user.id)]",
}


def migrate(cr, version):
    """Salespeople create and edit drafts only for the customers whose
    salesperson they are, no longer for any customer they name themselves
    responsible of."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, domain in RULES.items():
        rule = env.ref(f"rebate_management.{xmlid}", raise_if_not_found=False)
        if rule:
            rule.domain_force = domain
