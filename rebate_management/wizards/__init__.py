from . import rebate_agreement_amend_wizard
from . import rebate_agreement_generate
from . import rebate_settlement_reason
from . import rebate_settlement_release_hold
from . import rebate_settlement_acknowledge
from . import rebate_audit_workbook
from . import rebate_grade_set
from . import base_partner_merge_automatic_wizard
