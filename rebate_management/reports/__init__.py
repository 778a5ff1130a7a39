from . import rebate_analysis
from . import rebate_statement_xlsx
