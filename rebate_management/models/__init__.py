# In the order the engine works: shared mixins, grades and terms; the
# agreement and its concerns; the lines that count and the accruals they
# give; the settlement, its close, amounts and payout; what they touch in
# accounting and on partners; the audit.
from . import rebate_workflow_mixin
from . import rebate_grade
from . import rebate_agreement
from . import rebate_agreement_terms
from . import rebate_agreement_tier
from . import rebate_agreement_lifecycle
from . import rebate_agreement_reward
from . import rebate_agreement_effect
from . import rebate_agreement_portal
from . import rebate_agreement_nudge
from . import rebate_agreement_precedence
from . import rebate_agreement_member
from . import rebate_agreement_group
from . import rebate_agreement_vendor
from . import rebate_stacking_group
from . import rebate_line_query
from . import rebate_line_query_payment
from . import rebate_line_query_refund
from . import rebate_line_query_precedence
from . import rebate_line_query_group
from . import rebate_line_query_direction
from . import rebate_counted_line
from . import rebate_accrual
from . import rebate_accrual_precedence
from . import rebate_settlement
from . import rebate_settlement_close
from . import rebate_settlement_amounts
from . import rebate_settlement_recompute
from . import rebate_settlement_late
from . import rebate_settlement_reward
from . import rebate_settlement_risk
from . import rebate_settlement_alert
from . import rebate_settlement_payout
from . import rebate_settlement_statement
from . import rebate_settlement_share
from . import rebate_settlement_group
from . import rebate_settlement_group_payout
from . import rebate_settlement_vendor
from . import account_move
from . import res_partner
from . import res_company
from . import res_config_settings
from . import rebate_audit
