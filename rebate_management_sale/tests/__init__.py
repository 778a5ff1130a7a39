from . import test_rebate_balance
