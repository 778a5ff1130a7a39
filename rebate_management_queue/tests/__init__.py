# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import compat
from . import test_rebate_queue_close
from . import test_rebate_queue_concurrency
