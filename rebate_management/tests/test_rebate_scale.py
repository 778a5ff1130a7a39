# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateScale(RebateCommon):
    """Batch actions grow with their size, not with its square (issue #31,
    part 5): the queries of one call at two sizes."""

    def _drafts(self, count, prefix):
        partners = self.env["res.partner"].create(
            [{"name": f"{prefix} {index}"} for index in range(count)]
        )
        drafts = self.env["rebate.agreement"]
        for partner in partners:
            drafts |= self._create_agreement(
                [(0.0, 2.0)], name=partner.name, partner_id=partner.id, activate=False
            )
            # a neighbour of the same customer, active
            self._create_agreement(
                [(0.0, 1.0)], name=f"{partner.name} (other)", partner_id=partner.id
            )
        return drafts

    def _queries(self, call):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = call()
        return self.env.cr.sql_log_count - before, result

    def test_overlaps_found_in_one_search_whatever_the_number(self):
        counts = []
        for count, prefix in ((1, "Warm"), (3, "Small"), (12, "Large")):
            drafts = self._drafts(count, prefix)
            queries, overlapping = self._queries(drafts._get_overlapping)
            counts.append(queries)
            # each draft overlaps its own customer's other agreement only
            self.assertEqual(
                [other.name for draft in drafts for other in overlapping[draft]],
                [f"{draft.name} (other)" for draft in drafts],
            )
        self.assertEqual(counts[1], counts[2])

    def test_activation_queries_at_two_sizes(self):
        counts = []
        # (the first activation reads what the others find cached)
        for count, prefix in ((1, "First"), (3, "Few"), (12, "Many")):
            drafts = self._drafts(count, prefix)
            queries, _result = self._queries(drafts.action_activate)
            counts.append(queries)
            self.assertEqual(set(drafts.mapped("state")), {"active"})
            self.assertEqual(
                len(
                    drafts.message_ids.filtered(
                        lambda m: "overlaps other agreements" in (m.body or "")
                    )
                ),
                count,
            )
        self.assertEqual(counts[1], counts[2], counts)
