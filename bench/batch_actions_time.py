# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The batch actions at two sizes on a bench database (issue #31, part 5):
Generate Agreements for N customers of a grade, then, on the year's close,
approving, recomputing and creating the documents of N settlements; each
measured in a savepoint rolled back. Time per record flat from one size to
the other means linear growth. Run in an Odoo shell:

    odoo-bin shell -d DB --addons-path=... < bench/batch_actions_time.py
"""

import time

admin_env = env(user=env.ref("base.user_admin"))  # noqa: F821
admin_env.company.rebate_four_eyes = False
Settlement = admin_env["rebate.settlement"]


def measure(label, size, call):
    admin_env.flush_all()
    started, queries = time.perf_counter(), admin_env.cr.sql_log_count
    call()
    admin_env.flush_all()
    wall = time.perf_counter() - started
    print(
        label,
        size,
        f"{wall:.2f}s",
        f"{wall / size * 1000:.1f} ms each",
        admin_env.cr.sql_log_count - queries,
        "queries",
    )


def generate(size):
    grade = admin_env["rebate.grade"].create({"name": f"Scale {size}", "sequence": 99})
    partners = admin_env["res.partner"].create(
        [{"name": f"Scale {index}", "is_company": True} for index in range(size)]
    )
    partners._rebate_workflow().write({"rebate_grade_id": grade.id})
    template = admin_env["rebate.agreement"].create(
        {
            "name": f"Scale template {size}",
            "is_template": True,
            "grade_id": grade.id,
            "date_start": "2026-01-01",
            "date_end": "2026-12-31",
            "period": "quarter",
            "tier_ids": [(0, 0, {"threshold": 0, "rate": 2})],
        }
    )
    measure(
        "GENERATE",
        size,
        lambda: template.action_generate_agreements("2026-01-01", "2026-12-31"),
    )


def settle(size, drafts):
    batch = drafts[:size]
    measure("RECOMPUTE", size, batch.action_recompute)
    measure("APPROVE", size, batch.action_approve)
    measure("DOCUMENTS", size, batch.action_create_credit_note)


for size in (300, 1200):
    savepoint = admin_env.cr.savepoint(flush=True)
    generate(size)
    savepoint.close(rollback=True)
Settlement.close_periods("2025-12-31")
drafts = Settlement.search(
    [("state", "=", "draft"), ("has_alerts", "=", False), ("rebate_total", ">", 0)],
    order="id",
)
for size in (100, 400):
    savepoint = admin_env.cr.savepoint(flush=True)
    settle(size, drafts)
    savepoint.close(rollback=True)
    admin_env.invalidate_all(flush=False)
admin_env.cr.rollback()
