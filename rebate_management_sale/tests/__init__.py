from . import test_rebate_balance
from . import test_rebate_balance_order
