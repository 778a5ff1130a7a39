from . import test_rebate_balance
from . import test_rebate_balance_order
from . import test_rebate_balance_concurrency
from . import test_rebate_balance_roles
from . import test_rebate_balance_adjust
from . import test_rebate_outlook
from . import test_rebate_goods
from . import test_rebate_balance_tours
