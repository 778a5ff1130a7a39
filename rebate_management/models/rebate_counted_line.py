# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class RebateCountedLine(models.AbstractModel):
    """Deprecated name of ``rebate.line.query`` (renamed in 18.0.1.5.0),
    kept until 19.0 so that code calling ``env["rebate.counted.line"]``
    still reads the same lines. Extend ``rebate.line.query``: an override
    made here reaches no path of the engine."""

    _name = "rebate.counted.line"
    _inherit = "rebate.line.query"
    _description = "Rebate Counted Lines (deprecated, see rebate.line.query)"
