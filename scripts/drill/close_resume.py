# The crash drill's second run and its check (scripts/close_crash_drill.sh):
# the scheduled close's calls until none remains, then every settlement of
# the drill's agreements against SQL of its own.
env = env(user=env.ref("base.user_admin"))  # noqa: F821
cron = env.ref("rebate_management.ir_cron_rebate_close_periods")
for call in range(20):
    progress = env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
    env["rebate.settlement"].with_context(
        ir_cron_progress_id=progress.id, cron_id=cron.id
    )._cron_close_periods()
    env.cr.commit()
    print("RUN", call + 1, "done", progress.done, "remaining", progress.remaining)
    if not progress.remaining:
        break
env.cr.execute(
    """
    WITH base AS (
        SELECT ag.id AS agreement_id, SUM(aml.price_subtotal) AS base
          FROM rebate_agreement ag
          JOIN account_move am ON am.partner_id = ag.partner_id
          JOIN account_move_line aml
            ON aml.move_id = am.id AND aml.display_type = 'product'
         WHERE am.state = 'posted' AND ag.name LIKE 'Drill %%'
      GROUP BY ag.id
    )
    SELECT ag.name, COUNT(s.id), COUNT(DISTINCT s.date_from),
           SUM(s.rebate_total) FILTER (WHERE EXTRACT(month FROM s.date_from) = 1),
           ROUND(MAX(b.base) * 0.02, 2)
      FROM rebate_agreement ag
      JOIN base b ON b.agreement_id = ag.id
 LEFT JOIN rebate_settlement s ON s.agreement_id = ag.id AND s.state != 'cancelled'
  GROUP BY ag.name
  ORDER BY ag.name
    """
)
rows = env.cr.fetchall()
wrong = [
    row for row in rows if row[1] != 4 or row[2] != 4 or float(row[3]) != float(row[4])
]
for row in rows:
    print("CHECK ROW", *row)
print("CHECK OK" if len(rows) == 7 and not wrong else f"CHECK FAILED {wrong}")
