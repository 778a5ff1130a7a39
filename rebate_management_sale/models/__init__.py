from . import res_company
from . import res_config_settings
from . import rebate_agreement
from . import rebate_balance_credit
from . import rebate_balance_debit
from . import rebate_settlement
from . import res_partner
