from . import rebate_balance_adjust
