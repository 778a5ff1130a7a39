# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import RebateCommon, RebateHttpMixin

# the ended agreement's penalty clause, and the penalty its settlement paid
PENALTY_CLAUSE = (
    "$\xa0100.00 for a period short of the commitment, deducted from its "
    "rebate (any excess is invoiced)"
)
PENALTY_PAID = (
    "Penalty for the commitment shortfall ($\xa012,000.00 counted, "
    "$\xa015,000.00 committed)"
)


@tagged("post_install", "-at_install")
class TestRebatePortal(RebateHttpMixin, RebateCommon, AccountTestInvoicingHttpCommon):
    """Customers see their rebates on the portal (issue #17, part 1): their
    own agreements once approved, their terms and progress, the settlements
    paid with their documents and statements; nothing of anyone else's, and
    the same answer for what is forbidden and what does not exist."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        cls.customer.email = "buyer@customer.example.com"
        cls.customer_contact.email = "desk@customer.example.com"
        cls.portal = cls._create_portal_user("rebate_portal", cls.customer_contact)
        cls.other_portal = cls._create_portal_user(
            "rebate_portal_other", cls.other_customer
        )
        tiers = [(0.0, 1.0), (10000.0, 2.0), (20000.0, 3.0)]
        cls.agreement = cls._create_agreement(
            tiers, name="Volume 2025", tier_mode="retroactive"
        )
        cls.draft = cls._create_agreement(
            tiers, activate=False, name="Proposal 2026", tier_mode="retroactive"
        )
        cls.cancelled = cls._create_agreement(
            tiers, name="Withdrawn 2025", tier_mode="retroactive"
        )
        cls.cancelled.action_cancel()
        cls.others = cls._create_agreement(
            [(0.0, 5.0)], name="Someone Else's", partner_id=cls.other_customer.id
        )
        cls._create_invoice([(cls.product_x, 1, 12000.0)], date="2025-02-10")
        settlements = cls.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=(cls.agreement | cls.others)
        )
        cls.settlement = settlements.filtered(lambda s: s.agreement_id == cls.agreement)
        cls.settlement.action_approve()
        cls.settlement.action_create_credit_note()
        cls._create_invoice([(cls.product_x, 1, 6000.0)], date="2025-04-10")
        cls._create_invoice([(cls.product_x, 1, 1500.0)], date="2025-05-10")

    def _get(self, url, login="rebate_portal"):
        if login:
            self.authenticate(login, f"{login}-pass")
        return self.url_open(url, allow_redirects=False)

    def test_progress_of_the_current_period(self):
        # Q2 2025 on 2025-05-15: 7,500 counted in 45 of 91 days
        progress = self.agreement._get_portal_progress(
            self.agreement.date_start.replace(month=5, day=15)
        )
        self.assertEqual(str(progress["date_from"]), "2025-04-01")
        self.assertEqual(str(progress["date_to"]), "2025-06-30")
        self.assertEqual(progress["base"], 7500.0)
        self.assertEqual(progress["tier"], (0.0, 1.0))
        self.assertEqual(progress["rebate"], 75.0)
        self.assertEqual(progress["next_threshold"], 10000.0)
        self.assertEqual(progress["to_next"], 2500.0)
        # 7,500 / 45 days * 91 days = 15,166.67 -> 2 %
        self.assertAlmostEqual(progress["forecast_base"], 15166.6667, places=3)
        self.assertEqual(progress["forecast_rebate"], 303.33)
        self.assertFalse(progress["is_final"])
        self.assertEqual((progress["elapsed_days"], progress["days"]), (45, 91))
        self.assertEqual(progress["penalty"], 0.0)
        # before the agreement starts, nothing to show
        self.assertIsNone(self.agreement._get_portal_progress(date(2024, 12, 31)))

    def test_an_ended_period_shows_its_final_figures(self):
        """#23, 10.1: the pace no longer applies once the period has ended."""
        self._create_invoice([(self.product_x, 1, 21000.0)], date="2025-11-20")
        # Q4 on 2025-11-30, running: 21,000 in 61 of 92 days
        running = self.agreement._get_portal_progress(date(2025, 11, 30))
        self.assertFalse(running["is_final"])
        self.assertEqual(running["base"], 21000.0)
        self.assertEqual(running["rebate"], 630.0)
        # 21,000 / 61 days * 92 days = 31,672.13 -> 3 %
        self.assertAlmostEqual(running["forecast_base"], 31672.1311, places=3)
        self.assertEqual(running["forecast_rebate"], 950.16)
        # after the agreement's end: its last period, final
        ended = self.agreement._get_portal_progress(date(2026, 12, 7))
        self.assertEqual(str(ended["date_from"]), "2025-10-01")
        self.assertEqual(str(ended["date_to"]), "2025-12-31")
        self.assertTrue(ended["is_final"])
        self.assertEqual(ended["base"], 21000.0)
        self.assertEqual(ended["tier"], (20000.0, 3.0))
        self.assertEqual(ended["rebate"], 630.0)
        self.assertEqual(ended["forecast_base"], 21000.0)
        self.assertEqual(ended["forecast_rebate"], 630.0)
        self.assertEqual((ended["elapsed_days"], ended["days"]), (92, 92))
        # nothing left to reach in an ended period
        self.assertIsNone(ended["next_threshold"])
        self.assertIsNone(ended["to_next"])
        self.assertEqual(ended["to_next_label"], "")
        self.assertEqual(ended["penalty"], 0.0)
        # on its last day a period still runs: its forecast is its figure
        last_day = self.agreement._get_portal_progress(date(2025, 12, 31))
        self.assertFalse(last_day["is_final"])
        self.assertEqual(last_day["forecast_rebate"], 630.0)

    @freeze_time("2026-01-15")
    def test_agreement_page_of_an_ended_period(self):
        self._create_invoice([(self.product_x, 1, 21000.0)], date="2025-11-20")
        page = self._get(f"/my/rebates/{self.agreement.id}").text
        self.assertIn("<strong>Last period</strong>", page)
        self.assertIn("Final figures", page)
        self.assertIn("Rebate of the period", page)
        self.assertIn("630.00", page)
        self.assertIn(
            "The period has ended: these are its final figures, settled below.", page
        )
        for running in ("This period", "Forecast for the period", "current pace"):
            self.assertNotIn(running, page)
        self.assertNotIn("more reaches the next tier", page)

    def test_late_documents_are_labelled_apart_from_a_penalty(self):
        """#23, 10.2: late documents of a period settled before are not a
        penalty (and the settlement lines add up to its rebate)."""
        # an invoice of Q1 posted after Q1 was credited: 13,000 -> 260.00
        self._create_invoice([(self.product_x, 1, 1000.0)], date="2025-03-20")
        q2 = self.env["rebate.settlement"].close_periods(
            "2025-06-30", agreements=self.agreement
        )
        self.assertRecordValues(
            q2, [{"base_total": 7500.0, "adjustment_total": 20.0, "rebate_total": 95.0}]
        )
        q2.action_approve()
        notes = self.agreement.with_user(self.portal)._get_portal_settlement_notes(
            (self.settlement | q2).with_user(self.portal)
        )
        self.assertEqual(
            notes,
            {
                self.settlement.id: [],
                q2.id: [
                    ("Rebate on the base", "$\xa075.00"),
                    ("Late documents of periods settled before", "$\xa020.00"),
                ],
            },
        )
        page = self._get(f"/my/rebates/{self.agreement.id}").text
        self.assertIn("Late documents of periods settled before", page)
        self.assertNotIn("Penalty", page)
        self.assertNotIn("Adjustments", page)

    def test_my_rebates_lists_only_the_customers_approved_agreements(self):
        response = self._get("/my/rebates")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Volume 2025", response.text)
        for hidden in ("Proposal 2026", "Withdrawn 2025", "Someone Else"):
            self.assertNotIn(hidden, response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["rebate_count"]}
        )
        self.assertEqual(counters["rebate_count"], 1)
        other = self._get("/my/rebates", login="rebate_portal_other")
        self.assertIn("Someone Else", other.text)
        self.assertNotIn("Volume 2025", other.text)

    @freeze_time("2025-05-15")
    def test_agreement_page(self):
        response = self._get(f"/my/rebates/{self.agreement.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        # terms: the tier table
        for threshold in ("10,000.00", "20,000.00"):
            self.assertIn(threshold, page)
        self.assertIn("All products", page)
        # where the customer stands
        self.assertIn("2,500.00", page)  # more to reach the next tier
        self.assertIn("303.33", page)  # forecast
        # the settlement paid, its credit note's portal page, its statement
        self.assertIn(self.settlement.name, page)
        self.assertIn(f"/my/invoices/{self.settlement.document_id.id}", page)
        self.assertIn(f"/rebate_management/statement?ids={self.settlement.id}", page)
        statement = self._get(
            f"/rebate_management/statement?ids={self.settlement.id}", login=None
        )
        self.assertEqual(statement.status_code, 200)
        self.assertTrue(statement.content.startswith(b"PK"))
        invoice = self._get(
            f"/my/invoices/{self.settlement.document_id.id}", login=None
        )
        self.assertEqual(invoice.status_code, 200)

    def test_forbidden_and_missing_answer_the_same(self):
        missing = (
            self.env["rebate.agreement"].search([], order="id desc", limit=1).id + 1
        )
        answers = {}
        for name, url in (
            ("missing", f"/my/rebates/{missing}"),
            ("draft", f"/my/rebates/{self.draft.id}"),
            ("cancelled", f"/my/rebates/{self.cancelled.id}"),
            ("others", f"/my/rebates/{self.others.id}"),
        ):
            response = self._get(url)
            self.assertEqual(response.status_code, 403, name)
            self.assertNotIn("Someone Else", response.text)
            self.assertNotIn("Proposal", response.text)
            answers[name] = response.text
        # the same page but for the request's own tokens
        self.assertEqual(
            {len(text.splitlines()) for text in answers.values()},
            {len(answers["missing"].splitlines())},
        )
        # another customer's portal user, on this customer's agreement
        self.assertEqual(
            self._get(
                f"/my/rebates/{self.agreement.id}", "rebate_portal_other"
            ).status_code,
            403,
        )
        # and the statement of a settlement not approved, or another's
        others_settlement = self.others.settlement_ids
        for settlement_id in (others_settlement.id, missing * 1000):
            response = self._get(f"/rebate_management/statement?ids={settlement_id}")
            self.assertEqual(response.status_code, 403)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        for url in (
            "/my/rebates",
            f"/my/rebates/{self.agreement.id}",
            f"/rebate_management/statement?ids={self.settlement.id}",
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 303, url)
            self.assertIn("/web/login", response.headers["Location"])

    def _rpc(self, model, method, *args, **kwargs):
        return self._call(self.portal, model, method, *args, **kwargs)

    def test_portal_users_read_their_own_and_nothing_else(self):
        self.assertEqual(
            self._rpc("rebate.agreement", "search", []), self.agreement.ids
        )
        self.assertEqual(len(self._rpc("rebate.agreement.tier", "search", [])), 3)
        self.assertEqual(
            self._rpc("rebate.settlement", "search", []), self.settlement.ids
        )
        for model in ("rebate.accrual", "rebate.analysis", "rebate.grade"):
            with self.assertRaises(Fault) as capture:
                self._rpc(model, "search", [])
            self.assertIn("not allowed to access", capture.exception.faultString)
        with self.assertRaises(Fault):
            self._rpc("rebate.agreement", "write", self.agreement.ids, {"name": "Mine"})
        with self.assertRaises(Fault):
            self._rpc("rebate.agreement", "read", self.draft.ids, ["name"])
        with self.assertRaises(Fault):
            self._rpc(
                "rebate.settlement",
                "close_periods",
                "2025-06-30",
                agreements=self.agreement.ids,
            )
        self.assertEqual(self.agreement.name, "Volume 2025")


@tagged("post_install", "-at_install")
class TestRebatePortalExplained(RebateCommon, AccountTestInvoicingHttpCommon):
    """What the portal explains (issue #23, item 10): an ended period's final
    figures, the penalty clause and a penalty paid, an interim part's base
    to date and what was settled before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        penalty = cls.env.ref("rebate_management.product_rebate_penalty")
        (cls.product_x | cls.product_y | cls.rebate_product | penalty).taxes_id = False
        cls.portal = cls._create_portal_user("rebate_portal", cls.customer_contact)
        Settlement = cls.env["rebate.settlement"]
        # 2025 on Product X, measured on the year, 15,000 committed
        cls.ended = cls._create_agreement(
            [(0.0, 1.0), (10000.0, 2.0)],
            name="Committed 2025",
            period="year",
            tier_mode="retroactive",
            product_ids=cls.product_x.ids,
            commitment_base=15000.0,
            penalty_type="fixed",
            penalty_value=100.0,
        )
        # 2025 on Product Y, measured on the year, paid every quarter
        cls.interim = cls._create_yearly_agreement(
            name="Yearly, Paid Quarterly",
            settlement_period="quarter",
            product_ids=cls.product_y.ids,
        )
        cls._create_invoice([(cls.product_x, 1, 12000.0)], date="2025-02-10")
        cls._create_invoice([(cls.product_y, 1200, 50.0)], date="2025-02-10")
        cls._create_invoice([(cls.product_y, 1000, 50.0)], date="2025-05-15")
        # the year settled: 240.00 less the penalty of 100.00; closed
        cls.ended_settlement = Settlement.close_periods(
            "2025-12-31", agreements=cls.ended
        )
        cls.ended_settlement.action_approve()
        cls.ended_settlement.action_create_credit_note()
        # Q1: 60,000 -> 1,200.00; Q2: 110,000 to date -> 3,300.00 - 1,200.00
        cls.q1 = Settlement.close_periods("2025-03-31", agreements=cls.interim)
        cls.q1.action_approve()
        cls.q1.action_create_credit_note()
        cls.q2 = Settlement.close_periods("2025-06-30", agreements=cls.interim)
        cls.q2.action_approve()

    def _page(self, agreement):
        self.authenticate("rebate_portal", "rebate_portal-pass")
        response = self.url_open(f"/my/rebates/{agreement.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_the_figures_settled(self):
        self.assertEqual(self.ended.state, "closed")
        self.assertRecordValues(
            self.ended_settlement,
            [{"base_total": 12000.0, "penalty_total": 100.0, "rebate_total": 140.0}],
        )
        self.assertRecordValues(
            self.q1 | self.q2,
            [
                {"base_cumulative": 60000.0, "rebate_previous": 0.0},
                {"base_cumulative": 110000.0, "rebate_previous": 1200.0},
            ],
        )
        self.assertEqual(self.q2.rebate_total, 2100.0)

    def test_an_ended_period_with_a_penalty(self):
        # after the end, and inside the period once the agreement is closed
        for on in (date(2026, 12, 7), date(2025, 5, 15)):
            progress = self.ended.with_user(self.portal)._get_portal_progress(on)
            self.assertTrue(progress["is_final"], on)
            self.assertEqual(str(progress["date_from"]), "2025-01-01")
            self.assertEqual(str(progress["date_to"]), "2025-12-31")
            self.assertEqual(progress["base"], 12000.0)
            self.assertEqual(progress["rebate"], 240.0)
            self.assertEqual(progress["forecast_base"], 12000.0)
            self.assertEqual(progress["forecast_rebate"], 240.0)
            self.assertEqual(progress["penalty"], 100.0)
            self.assertEqual((progress["elapsed_days"], progress["days"]), (365, 365))
            self.assertIsNone(progress["next_threshold"])

    def test_the_penalty_clause(self):
        self.assertEqual(
            self.ended.with_user(self.portal)._get_portal_penalty_clause(),
            PENALTY_CLAUSE,
        )
        percent = self._create_agreement(
            [(0.0, 1.0)],
            activate=False,
            commitment_base=10000.0,
            penalty_type="shortfall_percent",
            penalty_value=5.0,
        )
        self.assertEqual(
            percent._get_portal_penalty_clause(),
            "5.00 % of what a period falls short of the commitment, deducted "
            "from its rebate (any excess is invoiced)",
        )
        self.assertEqual(self.interim._get_portal_penalty_clause(), "")

    def test_a_penalty_is_labelled_as_such(self):
        notes = self.ended.with_user(self.portal)._get_portal_settlement_notes(
            self.ended_settlement.with_user(self.portal)
        )
        self.assertEqual(
            notes[self.ended_settlement.id],
            [
                ("Rebate on the base", "$\xa0240.00"),
                (PENALTY_PAID, "$\xa0-100.00"),
            ],
        )

    @freeze_time("2026-01-15")
    def test_the_page_of_an_ended_agreement_with_a_penalty(self):
        page = self._page(self.ended)
        for shown in (
            # the terms: the commitment and its penalty
            "Committed per period",
            "Penalty if short",
            PENALTY_CLAUSE,
            # the last period, final, with its penalty
            "Final figures",
            "Penalty for the commitment shortfall</div>",
            # the settlement: its rebate, the penalty, what was credited
            "Rebate on the base",
            PENALTY_PAID,
            "$\xa0-100.00",
        ):
            self.assertIn(shown, page)
        # no forecast, and nothing the settlement does not have
        for absent in (
            "Forecast for the period",
            "Adjustments",
            "Late documents",
            "each payment",
        ):
            self.assertNotIn(absent, page)

    def test_interim_parts_are_explained(self):
        notes = self.interim.with_user(self.portal)._get_portal_settlement_notes(
            (self.q1 | self.q2).with_user(self.portal)
        )
        self.assertEqual(
            notes,
            {
                self.q1.id: [
                    (
                        "Rebate on the base of the period to date, $\xa060,000.00 "
                        "(01/01/2025 - 03/31/2025)",
                        "$\xa01,200.00",
                    ),
                    ("Less settled before in the period", "$\xa00.00"),
                ],
                self.q2.id: [
                    (
                        "Rebate on the base of the period to date, $\xa0110,000.00 "
                        "(01/01/2025 - 06/30/2025)",
                        "$\xa03,300.00",
                    ),
                    ("Less settled before in the period", "$\xa0-1,200.00"),
                ],
            },
        )

    @freeze_time("2025-07-10")
    def test_the_page_of_an_interim_agreement(self):
        page = self._page(self.interim)
        self.assertIn("Paid every", page)
        self.assertIn(
            "each payment: the rebate on the period's base to date, less what "
            "was paid before in the period",
            page,
        )
        for text in (
            "Rebate on the base of the period to date, $\xa0110,000.00 "
            "(01/01/2025 - 06/30/2025)",
            "$\xa03,300.00",
            "Less settled before in the period",
            "$\xa0-1,200.00",
        ):
            self.assertIn(text, page)
        self.assertNotIn("Penalty", page)
        # the year runs: 110,000 in 191 of 365 days -> 210,209.42 -> 3 %
        self.assertIn("This period", page)
        self.assertIn("Forecast for the period", page)
        self.assertIn("6,306.28", page)


@tagged("post_install", "-at_install")
class TestRebateStatementMail(RebateCommon):
    """The customer receives the statement when the settlement's document is
    created (issue #17, part 2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.product_x | cls.rebate_product).taxes_id = False
        cls.customer.email = "buyer@customer.example.com"

    def _settle(self, **vals):
        agreement = self._create_agreement([(0.0, 5.0)], **vals)
        self._create_invoice([(self.product_x, 1, 1000.0)], date="2025-02-10")
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        return settlement

    def _statement_messages(self, settlement):
        return self.env["mail.message"].search(
            [
                ("model", "=", "rebate.settlement"),
                ("res_id", "=", settlement.id),
                ("message_type", "=", "comment"),
            ]
        )

    def test_the_statement_is_mailed_with_the_document(self):
        settlement = self._settle()
        mails_before = self.env["mail.mail"].search_count([])
        settlement.action_create_credit_note()
        message = self._statement_messages(settlement)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer)
        self.assertEqual(message.subject, f"Your rebate statement {settlement.name}")
        self.assertIn("50.00", message.body)
        self.assertIn(f"/my/rebates/{settlement.agreement_id.id}", message.body)
        [attachment] = message.attachment_ids
        self.assertTrue(attachment.name.endswith(".xlsx"))
        self.assertEqual(attachment.raw[:2], b"PK")
        # through the mail queue, to the customer
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before + 1)

    def test_send_statement_off(self):
        settlement = self._settle(send_statement=False)
        settlement.action_create_credit_note()
        self.assertEqual(settlement.state, "done")
        self.assertFalse(self._statement_messages(settlement))
