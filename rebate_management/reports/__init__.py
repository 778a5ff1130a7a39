from . import rebate_analysis
from . import rebate_statement_xlsx
from . import rebate_statement_xlsx_precedence
from . import rebate_statement_xlsx_group
from . import rebate_statement_xlsx_vendor
from . import rebate_statement_xlsx_lump_sum
from . import rebate_statement_xlsx_growth
