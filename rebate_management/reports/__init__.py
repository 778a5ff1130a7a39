from . import rebate_analysis
