from . import rebate_agreement_amend_wizard
