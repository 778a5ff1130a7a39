# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.rebate_agreement_terms import PeriodRebate
from ..tools import insert_records
from .common import RebateCommon
from .test_rebate_export import find_row, load

CAP = 5.0


@tagged("post_install", "-at_install")
class TestRebateExtension(RebateCommon):
    """What another module meets when it extends the engine: overriding the
    one rebate method changes every path that computes a rebate."""

    def _capped(self):
        """An override of rebate.agreement._get_period_rebate, as another
        module would write it (super(), then its own rule): the rebate of a
        period never exceeds CAP."""
        Agreement = type(self.env["rebate.agreement"])
        original = Agreement._get_period_rebate

        def _get_period_rebate(model, base, tiers, terms):
            result = original(model, base, tiers, terms)
            return PeriodRebate(min(result.amount, CAP), result.tier_index)

        return patch.object(Agreement, "_get_period_rebate", _get_period_rebate)

    def assertEveryPathCounts(self, agreements, base, rebate):
        """Each of ``agreements`` (two, of Q1 2025) counts ``base`` for
        ``rebate`` on every path: posting, rebuild, close and effect."""
        for agreement in agreements:
            self.assertAccrued(agreement, rebate)
            agreement.action_recompute_accruals()
            self.assertAccrued(agreement, rebate)
        settlements = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreements
        )
        self.assertEqual(settlements.mapped("base_total"), [base, base])
        self.assertEqual(settlements.mapped("rebate_total"), [rebate, rebate])
        agreements.action_refresh_effect()
        self.assertEqual(agreements.mapped("effect_sales"), [base, base])

    @freeze_time("2025-04-10")
    def test_override_reaches_every_path(self):
        with self._capped():
            agreement = self._create_agreement(
                [(0.0, 2.0), (500.0, 3.0)], tier_mode="retroactive"
            )
            # 1,000 at 3 % would be 30
            self._create_invoice([(self.product_x, 6, 100.0)], date="2025-02-10")
            self._create_invoice([(self.product_x, 4, 100.0)], date="2025-03-10")
            self.assertAccrued(agreement, CAP)
            self.assertEqual(agreement._get_rebate(1000.0), CAP)
            settlement = self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=agreement
            )
            self.assertRecordValues(
                settlement, [{"base_total": 1000.0, "rebate_total": CAP}]
            )
            # approval recomputes from the documents: the same method agrees
            settlement.action_approve()
            self.assertEqual(settlement.state, "approved")
            # the statement shows the tier reached and the capped rebate
            self.assertEqual(settlement._get_reached_tier().threshold, 500.0)
            sheet = load(settlement._get_statement_xlsx()).worksheets[0]
            self.assertEqual(sheet.cell(find_row(sheet, "Total"), 7).value, CAP)
            agreement.action_refresh_effect()
            self.assertEqual(agreement.effect_rebate, CAP)
        # without the override, the same figures come back
        self.assertEqual(agreement._get_rebate(1000.0), 30.0)
        agreement.action_refresh_effect()
        self.assertEqual(agreement.effect_rebate, 30.0)

    @freeze_time("2025-04-10")
    def test_counted_condition_reaches_every_path(self):
        """A module that narrows which lines count (here: lines sold at no
        more than 60 a unit) sees posting, rebuild, close and effect agree,
        on an agreement that counts every line (the per-customer fast path)
        and on a scoped one."""
        Lines = type(self.env["rebate.line.query"])
        original = Lines._get_counted_condition

        def _get_counted_condition(model):
            return SQL("%s AND aml.price_unit <= 60", original(model))

        with patch.object(Lines, "_get_counted_condition", _get_counted_condition):
            plain = self._create_agreement([(0.0, 10.0)])
            scoped = self._create_agreement(
                [(0.0, 10.0)],
                product_ids=[Command.set((self.product_x + self.product_y).ids)],
            )
            # 1,000 of X at 100 do not count; 500 of Y at 50 do
            self._create_invoice(
                [(self.product_x, 10, 100.0), (self.product_y, 10, 50.0)],
                date="2025-02-10",
            )
            self.assertEveryPathCounts(plain + scoped, 500.0, 50.0)

    def test_tier_mode_is_one_method(self):
        """A tier mode is the method _rebate_<mode>: the dispatcher finds it,
        and a module overriding it changes the rebate of that mode."""
        Agreement = self.env["rebate.agreement"]
        self.assertEqual(
            Agreement._get_tier_mode_function("stepped"), Agreement._rebate_stepped
        )
        flat = self._create_agreement([(0.0, 2.0)])

        def _rebate_flat(model, base, tiers, factor):
            return base * 0.5 * factor, 0

        with patch.object(type(Agreement), "_rebate_flat", _rebate_flat):
            self.assertEqual(flat._get_rebate(1000.0), 5.0)
        self.assertEqual(flat._get_rebate(1000.0), 20.0)

    @freeze_time("2025-04-10")
    def test_settlement_value_hook_reaches_recompute(self):
        """A module adding a settlement value in _prepare_settlement_vals sees
        it on the settlements a close writes and on those recomputed (here:
        the base of the last days set to half the base)."""
        Settlement = type(self.env["rebate.settlement"])
        original = Settlement._prepare_settlement_vals

        def _prepare_settlement_vals(model, terms, period, amounts, accrued):
            vals = original(model, terms, period, amounts, accrued)
            vals["base_last_days"] = vals["base_total"] / 2
            return vals

        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
        with patch.object(
            Settlement, "_prepare_settlement_vals", _prepare_settlement_vals
        ):
            settlement = self.env["rebate.settlement"].close_periods(
                "2025-03-31", agreements=agreement
            )
            self.assertEqual(settlement.base_last_days, 500.0)
            self._create_invoice([(self.product_x, 4, 100.0)], date="2025-03-10")
            settlement.action_recompute()
        self.assertRecordValues(
            settlement,
            [{"base_total": 1400.0, "base_last_days": 700.0, "rebate_total": 28.0}],
        )

    @freeze_time("2025-04-10")
    def test_line_amount_hook_reaches_every_path(self):
        """What a line adds is one method: a module counting each line at
        half its amount sees posting, rebuild, close, effect and grades
        agree."""
        Lines = type(self.env["rebate.line.query"])

        def _get_line_amount(model):
            return SQL("%s * aml.price_subtotal / 2", model._get_line_sign())

        with patch.object(Lines, "_get_line_amount", _get_line_amount):
            plain = self._create_agreement([(0.0, 10.0)])
            scoped = self._create_agreement(
                [(0.0, 10.0)], product_ids=[Command.set(self.product_x.ids)]
            )
            self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
            self._create_invoice(
                [(self.product_x, 2, 100.0)], date="2025-02-20", move_type="out_refund"
            )
            self.assertEveryPathCounts(plain + scoped, 400.0, 40.0)
            # the customer's grade measures the same sales
            sales = self.env["rebate.grade"]._read_trailing_sales(
                fields.Date.to_date("2025-04-10"), [self.env.company.id]
            )
            self.assertEqual(sales[self.env.company.id][self.customer.id], (400.0, 1))

    def test_tier_reader_reaches_posting(self):
        """Tiers are read by one method: an override of _read_tiers (here:
        every rate doubled) reaches posting, rebuild, close and R(base)."""
        Agreement = type(self.env["rebate.agreement"])
        original = Agreement._read_tiers

        def _read_tiers(model):
            return {
                ag_id: [(threshold, rate * 2) for threshold, rate in tiers]
                for ag_id, tiers in original(model).items()
            }

        with patch.object(Agreement, "_read_tiers", _read_tiers):
            agreement = self._create_agreement([(0.0, 2.0)])
            self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
            self.assertAccrued(agreement, 40.0)
            agreement.action_recompute_accruals()
            self.assertAccrued(agreement, 40.0)
            self.assertEqual(agreement._get_rebate(1000.0), 40.0)
            with freeze_time("2025-04-10"):
                settlement = self.env["rebate.settlement"].close_periods(
                    "2025-03-31", agreements=agreement
                )
            self.assertEqual(settlement.rebate_total, 40.0)
        self.assertEqual(agreement._get_rebate(1000.0), 20.0)

    def test_deprecated_credit_note_link_still_reads(self):
        """credit_note_id, renamed document_id in 18.0.1.3, stays readable."""
        self.assertEqual(
            self.env["rebate.settlement"]._fields["credit_note_id"].related,
            "document_id",
        )

    def test_deprecated_counted_line_model_still_reads(self):
        """rebate.counted.line, renamed rebate.line.query in 18.0.1.5,
        still answers what the query service answers."""
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)])
        old, new = self.env["rebate.counted.line"], self.env["rebate.line.query"]
        self.assertEqual(old._get_counted_move_types(), new._get_counted_move_types())
        periods = [(agreement.id, *dates) for dates in agreement._get_periods()]
        bases = new._get_period_bases(periods)
        self.assertEqual(old._get_period_bases(periods), bases)
        self.assertEqual(bases[(agreement.id, periods[0][1])], 1000.0)


@tagged("post_install", "-at_install")
class TestRebateEngineGuarantees(RebateCommon):
    """The engine's shortcuts keep what the ORM would have guaranteed."""

    def test_names_are_the_sequence_s(self):
        """A close numbers thousands of settlements in one query: the names
        are those next_by_code would have given, yearly ranges included."""
        sequence = self.env.ref("rebate_management.seq_rebate_settlement")
        Settlement = self.env["rebate.settlement"]
        for use_date_range in (False, True):
            sequence.use_date_range = use_date_range
            names = Settlement._next_names(3)
            following = self.env["ir.sequence"].next_by_code("rebate.settlement")
            prefix, number = following[:-5], int(following[-5:])
            self.assertEqual(
                names, [f"{prefix}{n:05d}" for n in range(number - 3, number)]
            )
            self.assertEqual(prefix, f"RBS/{fields.Date.today().year}/")
        self.assertTrue(sequence.date_range_ids)

    def test_terms_round_as_their_currency(self):
        """The close rounds with the rounding its terms read once: what the
        currency's own round gives, for another currency too."""
        agreement = self._create_agreement([(0.0, 2.0)])
        terms = agreement._read_accrual_terms()[agreement.id]
        other = self.env.ref("base.JPY")
        for amount in (0.005, 1.005, 2.675, -2.675, 1234.5649999, 1e-07, 0.0):
            self.assertEqual(terms.round(amount), terms.currency.round(amount))
            self.assertEqual(
                terms._replace(currency=other).round(amount), other.round(amount)
            )

    def test_statistics_of_what_agreements_read(self):
        """The line queries' planner knows what each agreement reads (the
        statistics follow the reading's one definition)."""
        if self.env.cr._cnx.server_version < 140000:
            self.skipTest("expression statistics need PostgreSQL 14")
        self.env.cr.execute(
            "SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext"
            " WHERE stxname = 'rebate_agreement_reading_stats'"
        )
        (definition,) = self.env.cr.fetchone()
        self.assertIn("'sell_through'", definition)
        self.assertIn("rebate_type", definition)

    @freeze_time("2025-04-10")
    def test_document_link_written_through_the_orm(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        settlement.action_approve()
        accountant = self._create_rebate_user(
            "guarantee_acc", "group_rebate_accountant"
        )
        settlement.with_user(accountant).action_create_credit_note()
        self.assertRecordValues(
            settlement,
            [{"state": "done", "write_uid": accountant.id}],
        )
        self.assertEqual(settlement.document_id.rebate_settlement_id, settlement)
        # the credit note's side is read from the cache Odoo keeps in step
        self.assertEqual(settlement.document_id.amount_untaxed, 20.0)


@tagged("post_install", "-at_install")
class TestRebateBulkInsertKeepsCreate(RebateCommon):
    """Settlements and accruals are written in bulk; a field another module
    adds still gets its default and its computed value, as create gives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Field = cls.env["ir.model.fields"]
        for model, source in (
            ("rebate.settlement", "rebate_total"),
            ("rebate.accrual", "amount"),
        ):
            model_id = cls.env["ir.model"]._get_id(model)
            Field.create(
                [
                    {
                        "model_id": model_id,
                        "name": "x_region",
                        "field_description": "Region",
                        "ttype": "char",
                        "state": "manual",
                    },
                    {
                        "model_id": model_id,
                        "name": "x_twice",
                        "field_description": "Twice",
                        "ttype": "float",
                        "state": "manual",
                        "store": True,
                        "depends": source,
                        "compute": f"for record in self:\n"
                        f"    record['x_twice'] = record.{source} * 2",
                    },
                ]
            )
            cls.env["ir.default"].set(model, "x_region", "North")

    @freeze_time("2025-04-10")
    def test_added_fields_filled(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        self._create_invoice([(self.product_x, 10, 100.0)], date="2025-02-10")
        accrual = agreement.accrual_ids
        self.assertRecordValues(
            accrual, [{"amount": 20.0, "x_region": "North", "x_twice": 40.0}]
        )
        settlement = self.env["rebate.settlement"].close_periods(
            "2025-03-31", agreements=agreement
        )
        self.assertRecordValues(
            settlement, [{"rebate_total": 20.0, "x_region": "North", "x_twice": 40.0}]
        )
        # read from the database, not only from the cache
        self.env.invalidate_all()
        self.env.cr.execute(
            "SELECT x_region, x_twice FROM rebate_settlement WHERE id = %s",
            [settlement.id],
        )
        self.assertEqual(self.env.cr.fetchone(), ("North", 40.0))

    def test_bulk_insert_checks_like_create(self):
        agreement = self._create_agreement([(0.0, 2.0)])
        company_2 = self.setup_other_company(name="Bulk Company 2")["company"]
        vals = {
            "name": "RBS/TEST/1",
            "agreement_id": agreement.id,
            "partner_id": self.customer.id,
            "company_id": company_2.id,
            "currency_id": company_2.currency_id.id,
            "date_from": "2025-01-01",
            "date_to": "2025-03-31",
            "rebate_total": 1.0,
            "state": "draft",
        }
        Settlement = self.env["rebate.settlement"]
        # (Odoo 18 and 19 word the message's first line differently)
        with self.assertRaisesText(
            UserError, "(agreement_id: 'Agreement') belongs to another company"
        ):
            insert_records(Settlement, [vals])
        with self.assertRaisesText(ValueError, "not stored columns: rebate_nope"):
            insert_records(Settlement, [dict(vals, rebate_nope=1)])
        # the agreement's one2many sees a settlement written in bulk
        self.assertFalse(agreement.settlement_ids)
        created = insert_records(
            Settlement,
            [
                dict(
                    vals,
                    company_id=self.env.company.id,
                    currency_id=self.env.company.currency_id.id,
                )
            ],
        )
        self.assertEqual(agreement.settlement_ids, created)
        self.assertEqual(created.computed_by_id, self.env.user)
