# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import random
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from psycopg2.errors import ForeignKeyViolation

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from ..rebate_maths import periods_until
from ..tools import COPY_MIN_ROWS, insert_rows, values_table, without_jit

COLUMNS = (
    "model",
    "res_id",
    "message_type",
    "body",
    "subject",
    "email_from",
    "is_internal",
    "author_id",
    "date",
)


@tagged("post_install", "-at_install")
class TestRebateTools(TransactionCase):
    def _vals(self, index):
        return {
            "model": "res.partner",
            "res_id": self.env.user.partner_id.id,
            "message_type": "comment",
            "body": f"<p>line {index}\nnext\tcolumn \\ backslash \\N 'quoted' "
            f'"double" {{"json": [1]}} 返利 \u00e9</p>',
            "subject": "" if index % 2 else "tab\there\r\nnew line",
            "email_from": None,
            "is_internal": bool(index % 3),
            "author_id": self.env.user.partner_id.id,
            "date": datetime(2025, 3, 31, 23, 59, 58),
        }

    def _rows(self, ids):
        self.env.cr.execute(
            SQL(
                "SELECT to_jsonb(m) - 'id' FROM mail_message m"
                " WHERE id = ANY(%s) ORDER BY id",
                ids,
            )
        )
        return [row for (row,) in self.env.cr.fetchall()]

    def test_copied_rows_equal_inserted_rows(self):
        """Above COPY_MIN_ROWS rows are copied: they are the rows an INSERT
        writes (escapes, NULL, empty string, booleans, dates, creation stamps),
        under ids returned in order."""
        vals_list = [self._vals(index) for index in range(COPY_MIN_ROWS)]
        copied = insert_rows(self.env, "mail_message", COLUMNS, vals_list)
        inserted = insert_rows(self.env, "mail_message", COLUMNS, vals_list[:6])
        self.assertEqual(len(copied), COPY_MIN_ROWS)
        self.assertEqual(len(set(copied)), COPY_MIN_ROWS)
        self.assertEqual(self._rows(copied[:6]), self._rows(inserted))
        messages = self.env["mail.message"].browse(copied)
        self.assertEqual(messages[3].subject, "")
        self.assertEqual(messages[4].subject, "tab\there\r\nnew line")
        self.assertEqual(messages[5].body, vals_list[5]["body"])
        self.assertFalse(messages[0].email_from)
        self.assertEqual(
            messages.mapped("is_internal"), [bool(i % 3) for i in range(len(copied))]
        )
        self.assertEqual(messages[0].create_uid, self.env.user)
        self.assertEqual(messages[0].create_date, self.env.cr.now())

    def test_small_insert_is_one_query_whatever_the_rows(self):
        """Below COPY_MIN_ROWS the rows go in one INSERT, as JSON: the values
        come back as given, with the columns' types."""
        vals_list = [self._vals(index) for index in range(COPY_MIN_ROWS - 1)]
        insert_rows(self.env, "mail_message", COLUMNS, vals_list[:1])
        for count in (1, COPY_MIN_ROWS - 1):
            with self.assertQueryCount(1):
                ids = insert_rows(self.env, "mail_message", COLUMNS, vals_list[:count])
            self.assertEqual(len(ids), count)
            self.assertEqual(ids, sorted(ids))
        messages = self.env["mail.message"].browse(ids)
        self.assertEqual(messages.mapped("body"), [v["body"] for v in vals_list])
        self.assertEqual(messages[2].date, datetime(2025, 3, 31, 23, 59, 58))
        self.assertEqual(messages[1].subject, "")
        self.assertEqual(messages[2].subject, "tab\there\r\nnew line")
        self.assertEqual(
            messages.mapped("is_internal"), [bool(i % 3) for i in range(len(ids))]
        )
        self.assertIs(messages[3].email_from, False)
        self.assertEqual(messages[0].create_uid, self.env.user)
        self.assertEqual(messages[0].create_date, self.env.cr.now())
        self.assertEqual(insert_rows(self.env, "mail_message", COLUMNS, []), [])

    def test_small_insert_fails_whole(self):
        vals_list = [self._vals(index) for index in range(3)]
        vals_list[-1]["author_id"] = -1
        self.env.cr.execute("SELECT COUNT(*) FROM mail_message")
        before = self.env.cr.fetchone()[0]
        with (
            self.assertRaises(ForeignKeyViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            insert_rows(self.env, "mail_message", COLUMNS, vals_list)
        self.env.cr.execute("SELECT COUNT(*) FROM mail_message")
        self.assertEqual(self.env.cr.fetchone()[0], before)

    def test_copy_costs_two_queries_whatever_the_rows(self):
        vals_list = [self._vals(index) for index in range(5 * COPY_MIN_ROWS)]
        insert_rows(self.env, "mail_message", COLUMNS, vals_list[:COPY_MIN_ROWS])
        for count in (COPY_MIN_ROWS, 5 * COPY_MIN_ROWS):
            with self.assertQueryCount(2):
                ids = insert_rows(self.env, "mail_message", COLUMNS, vals_list[:count])
            self.assertEqual(len(ids), count)

    def test_copy_fails_whole(self):
        """A row COPY refuses (here a foreign key) writes none of them."""
        vals_list = [self._vals(index) for index in range(COPY_MIN_ROWS)]
        vals_list[-1]["author_id"] = -1
        self.env.cr.execute("SELECT COUNT(*) FROM mail_message")
        before = self.env.cr.fetchone()[0]
        with self.assertRaises(ForeignKeyViolation), self.env.cr.savepoint():
            insert_rows(self.env, "mail_message", COLUMNS, vals_list)
        self.env.cr.execute("SELECT COUNT(*) FROM mail_message")
        self.assertEqual(self.env.cr.fetchone()[0], before)

    def test_values_table(self):
        columns = (
            ("id", "int4"),
            ("key", "varchar"),
            ("day", "date"),
            ("flag", "bool"),
            ("amount", "float8"),
            ("at", "timestamp"),
        )
        at = datetime(2025, 3, 31, 23, 59, 58, 125)
        rows = [
            (1, "now", date(2025, 1, 31), True, 0.1, at),
            (2, "it's", None, False, -1e-07, None),
            # (what an array's text quotes, escapes or reads as NULL)
            (3, 'a "b", {c}\\d \\N', date(2025, 2, 1), None, 1.5, at),
            (4, "NULL", None, True, None, at),
            (5, "", None, None, 2.0, None),
            (6, " spaced\ttab\nline 返利 ", None, None, 3.25, None),
        ]
        self.assertEqual(
            self.env.execute_query(
                SQL("SELECT * FROM %s ORDER BY id", values_table("t", columns, rows))
            ),
            rows,
        )
        self.assertEqual(
            self.env.execute_query(
                SQL("SELECT * FROM %s", values_table("t", columns, []))
            ),
            [],
        )

    def test_without_jit_sets_it_back(self):
        cr = self.env.cr
        for setting in ("on", "off"):
            cr.execute("SELECT set_config('jit', %s, true)", [setting])
            with without_jit(cr):
                cr.execute("SHOW jit")
                self.assertEqual(cr.fetchone()[0], "off")
            cr.execute("SHOW jit")
            self.assertEqual(cr.fetchone()[0], setting)

    def test_periods_follow_the_calendar(self):
        """Period n starts n periods after the agreement's start, day kept or
        the month's last day (relativedelta's rule); periods follow each other
        without gap and the last ends with the agreement."""
        rng = random.Random(2025)
        starts = [date(2024, 1, 31), date(2024, 2, 29), date(2025, 8, 30)]
        starts += [
            date(2023, 1, 1) + timedelta(days=rng.randrange(900)) for _i in range(200)
        ]
        for date_start in starts:
            for months in (1, 3, 6, 12):
                date_end = date_start + timedelta(days=rng.randrange(30, 800))
                periods = periods_until(date_start, date_end, months)
                expected = []
                index = 0
                while date_start + relativedelta(months=index * months) <= date_end:
                    expected.append(
                        (
                            date_start + relativedelta(months=index * months),
                            min(
                                date_start
                                + relativedelta(months=(index + 1) * months)
                                - timedelta(days=1),
                                date_end,
                            ),
                        )
                    )
                    index += 1
                self.assertEqual(periods, expected, (date_start, date_end, months))
                cut = periods[len(periods) // 2][1]
                self.assertEqual(
                    periods_until(date_start, date_end, months, cut),
                    periods[: len(periods) // 2 + 1],
                )
