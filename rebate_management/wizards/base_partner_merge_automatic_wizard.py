# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        # Odoo merged the company-dependent values already (by SQL, in every
        # company: the partner kept takes those of the merged partners where
        # it has none, as it takes their invoices); rewriting the grade of the
        # current company here would be refused as a grade set by hand
        return super()._update_values(src_partners, dst_partner._keep_rebate_grade())
