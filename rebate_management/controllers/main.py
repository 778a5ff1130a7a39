# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Positive integers, comma-separated, nothing else (no spaces, signs or empty
# items); PostgreSQL ids are 32-bit.
_IDS_PATTERN = re.compile(r"[1-9][0-9]{0,9}(?:,[1-9][0-9]{0,9})*")
_MAX_ID = 2**31 - 1


def parse_ids(text):
    """The ids of a comma-separated list, in order, without repeats.

    :raise werkzeug.exceptions.BadRequest: if ``text`` is not such a list
    """
    if not isinstance(text, str) or not _IDS_PATTERN.fullmatch(text):
        raise BadRequest()
    ids = [int(item) for item in text.split(",")]
    if max(ids) > _MAX_ID:
        raise BadRequest()
    return list(dict.fromkeys(ids))


class RebateStatementController(http.Controller):
    @http.route(
        "/rebate_management/statement",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def download_statement(self, ids=None, **kwargs):
        """The rebate statement workbook of the settlements ``ids``.

        A settlement that does not exist and one the user may not read get
        the same answer, which names nothing: 403 Forbidden.
        """
        settlement_ids = parse_ids(ids)
        settlements = request.env["rebate.settlement"].browse(settlement_ids)
        forbidden = Forbidden(
            request.env._("You may not download these rebate statements.")
        )
        if len(settlements.exists()) != len(settlement_ids):
            raise forbidden
        try:
            data = settlements._get_statement_xlsx()
        except AccessError:
            raise forbidden from None
        filename = request.env["rebate.statement.xlsx"]._get_filename(settlements)
        return request.make_response(
            data,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                (
                    "Content-Disposition",
                    content_disposition(filename),
                ),
            ],
        )
