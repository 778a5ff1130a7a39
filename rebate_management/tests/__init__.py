from . import test_rebate_tiers
from . import test_rebate_accrual
from . import test_rebate_settlement
from . import test_rebate_constraints
from . import test_rebate_security
from . import test_rebate_export
from . import test_rebate_analysis
from . import test_rebate_concurrency
