from . import rebate_statement_xlsx
