# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The benchmark's data generator: customers, products, agreements and a
year of invoices, posted through the ORM and copied in SQL, then checked (see
rebate_bench.py)."""

import json
import random
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import psycopg2
from bench_common import (
    AGREEMENT_NAME,
    CONTACT_REF,
    CUSTOMER_REF,
    GENERATION_KEY,
    PRODUCT_CODE,
    QUIET,
    STATE_KEY,
    YEAR_END,
    YEAR_START,
    Measure,
    log,
    set_param,
)

import odoo
from odoo import Command, api

# the tables the generator fills before posting its sample invoices
ANALYZED_SETUP = [
    "res_partner",
    "product_product",
    "product_template",
    "rebate_agreement",
    "rebate_agreement_tier",
    "rebate_agreement_product_rel",
]


def random_date(rng):
    return YEAR_START + timedelta(days=rng.randrange((YEAR_END - YEAR_START).days + 1))


def make_lines(rng, product_ids, prices, count, refund=False):
    """(product id, quantity, unit price) of one document's lines."""
    if count <= len(product_ids):
        chosen = rng.sample(product_ids, count)
    else:
        chosen = [rng.choice(product_ids) for _i in range(count)]
    lines = []
    for product_id in chosen:
        quantity = rng.randint(1, 3) if refund else rng.randint(1, 10)
        price = round(prices[product_id] * rng.uniform(0.85, 1.15), 2)
        lines.append((product_id, quantity, price))
    return lines


def invoice_vals(
    partner_id,
    invoice_date,
    lines,
    journal_id,
    refund=False,
    move_types=("out_invoice", "out_refund"),
):
    """A document's values: a customer invoice or refund by default, or
    another (invoice, refund) pair of ``move_types``."""
    return {
        "move_type": move_types[1] if refund else move_types[0],
        "partner_id": partner_id,
        "invoice_date": invoice_date,
        "journal_id": journal_id,
        "invoice_line_ids": [
            Command.create(
                {"product_id": product_id, "quantity": qty, "price_unit": price}
            )
            for product_id, qty, price in lines
        ],
    }


class BenchData:
    """The generated records, found again by their references."""

    def __init__(self, env):
        cr = env.cr
        cr.execute(
            "SELECT id, ref FROM res_partner WHERE ref LIKE 'BENCH-C%%' ORDER BY ref"
        )
        self.customer_ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            """SELECT c.id, p.id FROM res_partner c
                 JOIN res_partner p ON p.id = c.parent_id
                WHERE c.ref LIKE 'BENCH-I%%'"""
        )
        self.contact_of = {parent: contact for contact, parent in cr.fetchall()}
        products = env["product.product"].search(
            [("default_code", "=like", "BENCH-P%")], order="default_code"
        )
        self.product_ids = products.ids
        self.prices = {p.id: p.lst_price for p in products}
        agreements = env["rebate.agreement"].search(
            [("name", "=like", "Bench Rebate %")], order="name"
        )
        self.agreement_ids = agreements.ids
        unrestricted = agreements.filtered(lambda a: not a.has_product_scope)
        covered = set(agreements.commercial_partner_id.ids)
        self.with_agreement_ids = [
            c
            for c in self.customer_ids
            if c in set(unrestricted.commercial_partner_id.ids)
        ]
        self.without_agreement_ids = [c for c in self.customer_ids if c not in covered]
        journal = env["account.journal"].search(
            [
                *env["account.journal"]._check_company_domain(env.company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        self.journal_id = journal.id


def generate(registry, settings, results):
    """Create customers, products, agreements and a year of invoices; commit."""
    gen = {}
    rng = random.Random(settings.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, dict(QUIET))
        set_param(env, STATE_KEY, "generating")
        cr.commit()
        company = env.company
        Journal = env["account.journal"]
        if not Journal.search(
            [*Journal._check_company_domain(company), ("type", "=", "sale")]
        ):
            log("loading the generic chart of accounts")
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
            cr.commit()

        started = time.perf_counter()
        log(f"creating {settings.customers} customers and {settings.products} products")
        Partner = env["res.partner"]
        customers = Partner.create(
            [
                {
                    "name": f"Bench Customer {i:05d}",
                    "ref": CUSTOMER_REF % i,
                    "is_company": True,
                    "customer_rank": 1,
                }
                for i in range(settings.customers)
            ]
        )
        # about 20 % of the customers have an invoice address of their own
        Partner.create(
            [
                {
                    "name": "Invoice Desk",
                    "ref": CONTACT_REF % i,
                    "type": "invoice",
                    "parent_id": customers[i].id,
                }
                for i in range(0, settings.customers, 5)
            ]
        )
        Category = env["product.category"]
        root = Category.create({"name": "Bench"})
        food = Category.create({"name": "Food", "parent_id": root.id})
        drinks = Category.create({"name": "Drinks", "parent_id": root.id})
        hardware = Category.create({"name": "Hardware", "parent_id": root.id})
        tools = Category.create({"name": "Tools", "parent_id": hardware.id})
        categories = [food, drinks, hardware, tools]
        env["product.product"].create(
            [
                {
                    "name": f"Bench Product {i:05d}",
                    "default_code": PRODUCT_CODE % i,
                    "categ_id": categories[i % len(categories)].id,
                    "type": "consu",
                    "list_price": round(rng.uniform(5.0, 200.0), 2),
                }
                for i in range(settings.products)
            ]
        )
        data = BenchData(env)
        gen["partners_products_s"] = time.perf_counter() - started

        started = time.perf_counter()
        log(f"creating and activating {settings.agreements} agreements")
        agreements = create_agreements(env, settings, data, rng)
        gen["agreements_s"] = time.perf_counter() - started
        cr.commit()
        # statistics of the new rows before posting: planned on the empty
        # tables' estimates, the posting hook's line query took minutes per
        # batch of 20 invoices at 10,000 agreements (autovacuum comes later)
        cr.execute(f"ANALYZE {', '.join(ANALYZED_SETUP)}")

        data = BenchData(env)
        log(f"posting {settings.sample} sample invoices through the ORM")
        measure = Measure(settings, "generation: sample invoices (ORM)")
        sample_ids = []
        with measure.run(env):
            for first in range(0, settings.sample, 20):
                vals_list = []
                for k in range(first, min(first + 20, settings.sample)):
                    refund = k % 20 == 19
                    vals_list.append(
                        invoice_vals(
                            pick_partner(rng, data),
                            random_date(rng),
                            make_lines(
                                rng,
                                data.product_ids,
                                data.prices,
                                settings.lines,
                                refund,
                            ),
                            data.journal_id,
                            refund,
                        )
                    )
                moves = env["account.move"].create(vals_list)
                moves.action_post()
                sample_ids.extend(moves.ids)
        gen["sample"] = {
            "count": len(sample_ids),
            "wall_s": measure.wall,
            "queries": measure.queries,
        }
        cr.commit()

        copies = settings.invoices - len(sample_ids)
        log(f"duplicating {copies} invoices at the SQL level")
        started = time.perf_counter()
        gen["duplication"] = duplicate_moves(env, rng, data, sample_ids, copies)
        gen["duplication"]["wall_s"] = time.perf_counter() - started
        env.invalidate_all()
        log("checking the consistency of the generated invoices")
        gen["consistency"] = check_moves(env, settings)
        log("logging the posting of every generated document in its chatter")
        gen["chatter"] = add_chatter(env)
        cr.commit()
        cr.execute("ANALYZE account_move")
        cr.execute("ANALYZE account_move_line")

        log("recomputing the accruals of every agreement (action_recompute_accruals)")
        measure = Measure(settings, "generation: recompute accruals")
        agreements = env["rebate.agreement"].search([("id", "in", agreements.ids)])
        with measure.run(env):
            agreements.action_recompute_accruals()
        cr.execute("SELECT COUNT(*) FROM rebate_accrual")
        accruals = cr.fetchone()[0]
        gen["recompute"] = {
            "wall_s": measure.wall,
            "cpu_s": measure.cpu,
            "queries": measure.queries,
            "accruals": accruals,
        }
        if settings.profile:
            log(measure.report_profile())
        cr.execute("ANALYZE rebate_accrual")
        gen["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        set_param(env, GENERATION_KEY, json.dumps(gen))
        set_param(env, STATE_KEY, f"ready {settings.signature}")
        cr.commit()
    return gen


def pick_partner(rng, data):
    """A random customer, or (half the time) its invoice address when it has one."""
    customer = rng.choice(data.customer_ids)
    contact = data.contact_of.get(customer)
    return contact if contact and rng.random() < 0.5 else customer


def lump_sum_supported(env):
    """Whether the module has lump-sum tiers (issue #30)."""
    return "amount_type" in env["rebate.agreement.tier"]._fields


def create_agreements(env, settings, data, rng):
    """Retroactive three-tier quarterly agreements for 2025.

    Nine customers in ten have agreements (some two or more); one in ten has
    none. One agreement in five is restricted to a list of a quarter of the
    products; one in ten pays lump sums instead of rates (where the module
    has them). The thresholds sit around the base the customer is expected to
    reach, so the periods end at every tier.
    """
    eligible = [c for i, c in enumerate(data.customer_ids) if i % 10 != 9]
    lump_sums = lump_sum_supported(env)
    mean_price = statistics.mean(data.prices.values())
    per_quarter = settings.invoices / settings.customers / 4
    expected = per_quarter * settings.lines * 5.5 * mean_price
    journal = env["account.journal"].browse(data.journal_id)
    vals_list = []
    for j in range(settings.agreements):
        restricted = j % 5 == 0
        products = (
            rng.sample(data.product_ids, max(1, len(data.product_ids) // 4))
            if restricted
            else []
        )
        base = expected * (0.25 if restricted else 1.0)
        step = rng.choice((0.0, 0.5, 1.0))
        tiers = [
            (0.0, 1.0),
            (round(base * rng.uniform(0.6, 0.9), -1) or 10.0, 2.0 + step),
            (round(base * rng.uniform(1.1, 1.6), -1) or 20.0, 3.0 + step),
        ]
        tier_vals = [{"threshold": t, "rate": r} for t, r in tiers]
        if lump_sums and j % 10 == 3:
            # one in ten pays lump sums: about 2 % and 3 % of its two upper
            # thresholds, once reached (the first tier, from 0, dropped)
            tier_vals = [
                {
                    "threshold": t,
                    "amount_type": "fixed",
                    "fixed_amount": round(t * (r - step) / 100.0, -1) or 10.0,
                }
                for t, r in tiers[1:]
            ]
        vals_list.append(
            {
                "name": AGREEMENT_NAME % j,
                "partner_id": eligible[j % len(eligible)],
                "date_start": YEAR_START,
                "date_end": YEAR_END,
                "period": "quarter",
                "basis": "amount",
                "tier_mode": "retroactive",
                "journal_id": journal.id,
                "tier_ids": [Command.create(vals) for vals in tier_vals],
                "product_ids": [Command.set(products)],
            }
        )
    agreements = env["rebate.agreement"].create(vals_list)
    agreements.action_activate()
    return agreements


def table_columns(cr, table):
    cr.execute(
        """SELECT column_name, is_nullable = 'NO'
             FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = %s
         ORDER BY ordinal_position""",
        [table],
    )
    return cr.fetchall()


def insert_select(cr, table, alias, overrides, from_clause, params=()):
    """INSERT INTO table every column, each from ``alias`` unless overridden.
    Every column of the table is listed, so every NOT NULL one is filled."""
    columns = table_columns(cr, table)
    names = [name for name, _required in columns]
    unknown = set(overrides) - set(names)
    if unknown:
        raise RuntimeError(f"{table} has no column(s) {sorted(unknown)}")
    exprs = [overrides.get(name, f'{alias}."{name}"') for name in names]
    cr.execute(
        f"INSERT INTO {table} ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in names)})"
        f" SELECT {', '.join(exprs)} {from_clause}",
        params,
    )
    return cr.rowcount, [name for name, required in columns if required]


def m2m_tables(env, model):
    return sorted(
        {
            (field.relation, field.column1, field.column2)
            for field in env[model]._fields.values()
            if field.type == "many2many" and field.store
        }
    )


@contextmanager
def trusted_copies(cr):
    """Foreign-key checks off (``session_replication_role`` replica) for
    rows copied from rows that passed them, where the connection may (a
    superuser): PostgreSQL checks each key of each new row, 20 of them on an
    invoice line, and those checks were most of the copies' time. Every
    reference a copy holds is one of its template's, or a customer, a
    partner or a copied move read from the database just before. Without
    the right, the checks run as usual. Yields whether they are off."""
    try:
        with cr.savepoint(flush=False):
            cr.execute("SET session_replication_role = replica")
    except psycopg2.errors.InsufficientPrivilege:
        yield False
        return
    try:
        yield True
    finally:
        cr.execute("SET session_replication_role = origin")


def duplicate_moves(env, rng, data, template_ids, copies):
    """Add ``copies`` posted documents, each a copy of a template (a posted
    sample invoice or refund, lines and amounts unchanged so every total stays
    consistent) for another customer and date, with a new number."""
    cr = env.cr
    if copies <= 0:
        return {"moves": 0, "lines": 0}
    templates = env["account.move"].browse(template_ids)
    info = {
        m.id: (
            m.journal_id.id,
            m.sequence_prefix,
            len(m.name) - len(m.sequence_prefix),
            m.invoice_date,
        )
        for m in templates
    }
    cr.execute(
        """SELECT journal_id, sequence_prefix, MAX(sequence_number)
             FROM account_move WHERE journal_id = ANY(%s)
         GROUP BY journal_id, sequence_prefix""",
        [list({v[0] for v in info.values()})],
    )
    next_number = {(j, p): n for j, p, n in cr.fetchall()}
    partners = env["res.partner"].browse(
        data.customer_ids + list(data.contact_of.values())
    )
    partner_info = {
        p.id: (p.commercial_partner_id.id, p.display_name) for p in partners
    }
    cr.execute(
        "SELECT nextval('account_move_id_seq') FROM generate_series(1, %s)", [copies]
    )
    new_ids = [row[0] for row in cr.fetchall()]
    plan = defaultdict(list)
    for k, new_id in enumerate(new_ids):
        template_id = template_ids[k % len(template_ids)]
        journal_id, prefix, width, template_date = info[template_id]
        next_number[journal_id, prefix] += 1
        number = next_number[journal_id, prefix]
        partner_id = pick_partner(rng, data)
        new_date = random_date(rng)
        commercial_id, display_name = partner_info[partner_id]
        for key, value in (
            ("new_id", new_id),
            ("template_id", template_id),
            ("partner_id", partner_id),
            ("commercial_id", commercial_id),
            ("display_name", display_name),
            ("new_date", new_date),
            ("shift", (new_date - template_date).days),
            ("name", f"{prefix}{number:0{width}d}"),
            ("seq", number),
            ("chunk", k // 2000),
        ):
            plan[key].append(value)
    cr.execute("DROP TABLE IF EXISTS bench_plan")
    cr.execute(
        """CREATE TEMP TABLE bench_plan AS
           SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[],
                                %s::varchar[], %s::date[], %s::int[], %s::varchar[],
                                %s::int[], %s::int[])
                      AS p(new_id, template_id, partner_id, commercial_id, display_name,
                           new_date, shift, name, seq, chunk)""",
        [
            plan[key]
            for key in (
                "new_id",
                "template_id",
                "partner_id",
                "commercial_id",
                "display_name",
                "new_date",
                "shift",
                "name",
                "seq",
                "chunk",
            )
        ],
    )
    cr.execute("CREATE INDEX ON bench_plan (chunk)")
    now = "(now() AT TIME ZONE 'UTC')"
    move_overrides = {
        "id": "p.new_id",
        "name": "p.name",
        "sequence_number": "p.seq",
        "partner_id": "p.partner_id",
        "commercial_partner_id": "p.commercial_id",
        "partner_shipping_id": "p.partner_id",
        "invoice_partner_display_name": "p.display_name",
        "payment_reference": "p.name",
        "date": "p.new_date",
        "invoice_date": "p.new_date",
        "invoice_date_due": "t.invoice_date_due + p.shift",
        "access_token": "NULL",
        "create_date": now,
        "write_date": now,
    }
    line_overrides = {
        "id": "lp.new_id",
        "move_id": "lp.move_id",
        "move_name": "lp.name",
        "partner_id": "lp.commercial_id",
        "date": "lp.new_date",
        "invoice_date": "lp.new_date",
        "date_maturity": "t.date_maturity + lp.shift",
        "full_reconcile_id": "NULL",
        "matching_number": "NULL",
        "create_date": now,
        "write_date": now,
    }
    move_columns = {name for name, _req in table_columns(cr, "account_move")}
    for column in (
        "inalterable_hash",
        "secure_sequence_number",
        "message_main_attachment_id",
        "made_sequence_gap",
        "rebate_settlement_id",
        "reversed_entry_id",
        "auto_post_origin_id",
    ):
        if column in move_columns:
            move_overrides[column] = (
                "false" if column == "made_sequence_gap" else "NULL"
            )
    line_columns = {name for name, _req in table_columns(cr, "account_move_line")}
    for key in list(line_overrides):
        if key not in line_columns:
            del line_overrides[key]
    moves = lines = 0
    required = {}
    with trusted_copies(cr) as trusted:
        for chunk in range(max(plan["chunk"]) + 1):
            count, lines_count = copy_chunk(
                env, chunk, move_overrides, line_overrides, required
            )
            moves += count
            lines += lines_count
    cr.execute("DROP TABLE bench_plan")
    cr.execute("DROP TABLE IF EXISTS bench_line_plan")
    return {
        "moves": moves,
        "lines": lines,
        "not_null_columns": {t: len(c) for t, c in required.items()},
        "foreign_key_checks": not trusted,
    }


def copy_chunk(env, chunk, move_overrides, line_overrides, required):
    """Insert the moves of one chunk of bench_plan, their lines and their
    many2many rows; return (moves, lines) inserted."""
    cr = env.cr
    moves, required["account_move"] = insert_select(
        cr,
        "account_move",
        "t",
        move_overrides,
        "FROM bench_plan p JOIN account_move t ON t.id = p.template_id"
        " WHERE p.chunk = %s",
        [chunk],
    )
    cr.execute("DROP TABLE IF EXISTS bench_line_plan")
    cr.execute(
        """CREATE TEMP TABLE bench_line_plan AS
           SELECT nextval('account_move_line_id_seq') AS new_id, l.id AS old_id,
                  p.new_id AS move_id, p.name, p.commercial_id, p.new_date, p.shift
             FROM bench_plan p JOIN account_move_line l ON l.move_id = p.template_id
            WHERE p.chunk = %s""",
        [chunk],
    )
    lines, required["account_move_line"] = insert_select(
        cr,
        "account_move_line",
        "t",
        line_overrides,
        "FROM bench_line_plan lp JOIN account_move_line t ON t.id = lp.old_id",
    )
    for relation, column1, column2 in m2m_tables(env, "account.move.line"):
        cr.execute(
            f'INSERT INTO "{relation}" ("{column1}", "{column2}")'
            f' SELECT lp.new_id, r."{column2}" FROM bench_line_plan lp'
            f' JOIN "{relation}" r ON r."{column1}" = lp.old_id'
        )
    for relation, column1, column2 in m2m_tables(env, "account.move"):
        cr.execute(
            f'INSERT INTO "{relation}" ("{column1}", "{column2}")'
            f' SELECT p.new_id, r."{column2}" FROM bench_plan p'
            f' JOIN "{relation}" r ON r."{column1}" = p.template_id'
            " WHERE p.chunk = %s",
            [chunk],
        )
    return moves, lines


def add_chatter(env):
    """Log on every customer document the note Odoo's tracking logs when it
    posts one: a notification with the tracking value of the state, Draft to
    Posted. The generation runs without tracking for speed, and the copies are
    made in SQL; without this the database would hold a handful of messages
    where a real one holds at least one per invoice. It matters to what is
    measured: PostgreSQL plans the foreign-key check of a new tracking value
    (mail_tracking_value to mail_message) once per connection, with a
    sequential scan when mail_message is a page or two, and that plan then
    reads the whole table for every tracking value a period close logs.
    """
    cr = env.cr
    # PostgreSQL keeps the plan of a foreign-key check for the connection: if
    # this one planned mail_tracking_value's check while mail_message held a
    # page or two (a tracking value logged earlier in the generation), each
    # new tracking value scans every message, those inserted here included:
    # quadratic (21 s for 25,000 documents, minutes for 100,000). ANALYZE
    # invalidates that plan; planned again, the check reads the primary key.
    cr.execute("ANALYZE mail_message, mail_tracking_value")
    field = env["ir.model.fields"]._get("account.move", "state")
    states = dict(env["account.move"]._fields["state"]._description_selection(env))
    cr.execute(
        """
        WITH messages AS (
            INSERT INTO mail_message (
                model, res_id, record_name, record_company_id, message_type,
                subtype_id, author_id, email_from, body, is_internal,
                email_add_signature, date, create_uid, write_uid, create_date,
                write_date)
            SELECT 'account.move', am.id, am.name, am.company_id, 'notification',
                   %(subtype)s, %(author)s, %(email_from)s, '', true,
                   false, am.create_date, %(uid)s, %(uid)s, am.create_date,
                   am.create_date
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund')
               AND am.state = 'posted'
               AND NOT EXISTS (
                    SELECT 1 FROM mail_message m
                     WHERE m.model = 'account.move' AND m.res_id = am.id)
          RETURNING id, create_date
        )
        INSERT INTO mail_tracking_value (
            field_id, mail_message_id, old_value_char, new_value_char,
            create_uid, write_uid, create_date, write_date)
        SELECT %(field)s, m.id, %(draft)s, %(posted)s, %(uid)s, %(uid)s,
               m.create_date, m.create_date
          FROM messages m
        """,
        {
            "subtype": env.ref("mail.mt_note").id,
            "author": env.user.partner_id.id,
            "email_from": env.user.email_formatted or None,
            "uid": env.uid,
            "field": field.id,
            "draft": states["draft"],
            "posted": states["posted"],
        },
    )
    # the tracking values inserted: one per message
    return {"messages": cr.rowcount}


def check_moves(env, settings):
    """Every customer document balances and its amounts are those of its lines;
    fail the generation otherwise."""
    cr = env.cr
    checks = {
        "unbalanced": """
            SELECT m.id FROM account_move m JOIN account_move_line l ON l.move_id = m.id
             WHERE m.move_type IN ('out_invoice', 'out_refund')
          GROUP BY m.id
            HAVING SUM(l.debit) <> SUM(l.credit) OR SUM(l.balance) <> 0""",
        "untaxed != product lines": """
            SELECT m.id FROM account_move m
              LEFT JOIN account_move_line l
                ON l.move_id = m.id AND l.display_type = 'product'
             WHERE m.move_type IN ('out_invoice', 'out_refund')
          GROUP BY m.id, m.amount_untaxed, m.amount_untaxed_signed
            HAVING COALESCE(SUM(l.price_subtotal), 0) <> m.amount_untaxed
                OR COALESCE(-SUM(l.balance), 0) <> m.amount_untaxed_signed""",
        "tax != tax lines": """
            SELECT m.id FROM account_move m
              LEFT JOIN account_move_line l
                ON l.move_id = m.id AND l.display_type = 'tax'
             WHERE m.move_type IN ('out_invoice', 'out_refund')
          GROUP BY m.id, m.amount_tax_signed
            HAVING COALESCE(-SUM(l.balance), 0) <> m.amount_tax_signed""",
        "total != receivable": """
            SELECT m.id FROM account_move m
              LEFT JOIN account_move_line l
                ON l.move_id = m.id AND l.display_type = 'payment_term'
             WHERE m.move_type IN ('out_invoice', 'out_refund')
          GROUP BY m.id, m.amount_total_signed, m.amount_residual_signed,
                   m.amount_total,
                   m.amount_untaxed, m.amount_tax
            HAVING COALESCE(SUM(l.balance), 0) <> m.amount_total_signed
                OR COALESCE(SUM(l.amount_residual), 0) <> m.amount_residual_signed
                OR m.amount_total <> m.amount_untaxed + m.amount_tax""",
        "partner/date/name of lines": """
            SELECT DISTINCT m.id FROM account_move m
              JOIN account_move_line l ON l.move_id = m.id
              JOIN res_partner p ON p.id = m.partner_id
             WHERE m.move_type IN ('out_invoice', 'out_refund')
               AND (p.commercial_partner_id <> m.commercial_partner_id
                    OR l.partner_id <> m.commercial_partner_id
                    OR l.date <> m.date OR l.move_name <> m.name
                    OR l.parent_state <> m.state OR m.date <> m.invoice_date)""",
        "duplicate names": """
            SELECT MIN(id) FROM account_move
             WHERE state = 'posted' GROUP BY journal_id, name HAVING COUNT(*) > 1""",
    }
    problems = {}
    for name, query in checks.items():
        cr.execute(query)
        ids = [row[0] for row in cr.fetchall()]
        if ids:
            problems[name] = ids[:10]
    cr.execute(
        """SELECT COUNT(*), COUNT(*) FILTER (WHERE move_type = 'out_refund'),
                  COUNT(*) FILTER (WHERE state <> 'posted')
             FROM account_move WHERE move_type IN ('out_invoice', 'out_refund')"""
    )
    documents, refunds, not_posted = cr.fetchone()
    cr.execute(
        """SELECT COUNT(*), COUNT(DISTINCT m.id) FROM account_move_line l
             JOIN account_move m ON m.id = l.move_id
            WHERE m.move_type IN ('out_invoice', 'out_refund')
              AND l.display_type = 'product'"""
    )
    product_lines, with_lines = cr.fetchone()
    if documents != settings.invoices:
        problems["document count"] = [documents, settings.invoices]
    if not_posted:
        problems["not posted"] = [not_posted]
    if product_lines != documents * settings.lines or with_lines != documents:
        problems["product lines"] = [product_lines, documents * settings.lines]
    summary = {
        "documents": documents,
        "refunds": refunds,
        "product_lines": product_lines,
        "problems": problems,
    }
    if problems:
        raise RuntimeError(f"generated invoices are inconsistent: {problems}")
    log(
        f"consistent: {documents} documents ({refunds} refunds), "
        f"{product_lines} product "
        "lines; every move balances and its amounts are those of its lines"
    )
    return summary


# ---------------------------------------------------------------------------
# Measurements (one transaction, rolled back)
