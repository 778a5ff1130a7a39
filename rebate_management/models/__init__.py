from . import rebate_agreement
from . import rebate_agreement_tier
from . import rebate_accrual
from . import rebate_settlement
from . import account_move
from . import res_partner
from . import res_company
from . import res_config_settings
