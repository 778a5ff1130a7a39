# The crash drill's data (scripts/close_crash_drill.sh), in an Odoo shell:
# seven customers with a flat 2 % agreement for last year, each invoiced in
# its first quarter; the scheduled close in batches of two.
from datetime import date

from odoo import Command

env = env(user=env.ref("base.user_admin"))  # noqa: F821
year = date.today().year - 1
product = env["product.product"].create(
    {"name": "Drill product", "list_price": 100.0, "taxes_id": False}
)
for index in range(7):
    partner = env["res.partner"].create({"name": f"Drill customer {index}"})
    agreement = env["rebate.agreement"].create(
        {
            "name": f"Drill {index}",
            "partner_id": partner.id,
            "date_start": f"{year}-01-01",
            "date_end": f"{year}-12-31",
            "period": "quarter",
            "tier_ids": [Command.create({"threshold": 0.0, "rate": 2.0})],
        }
    )
    agreement.action_activate()
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": f"{year}-02-{10 + index}",
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": index + 1,
                        "price_unit": 1000.0,
                    }
                )
            ],
        }
    )
    invoice.action_post()
env["ir.config_parameter"].sudo().set_param("rebate_management.close_batch_size", "2")
env.cr.commit()
print("SETUP", env["rebate.agreement"].search_count([("name", "like", "Drill %")]))
