# The crash drill's doomed run (scripts/close_crash_drill.sh): the scheduled
# close's calls as Odoo's scheduler makes them, a commit after each; the
# second batch is written, then the process waits to be killed before its
# commit.
import time

env = env(user=env.ref("base.user_admin"))  # noqa: F821
cron = env.ref("rebate_management.ir_cron_rebate_close_periods")
for batch in (1, 2):
    progress = env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
    env["rebate.settlement"].with_context(
        ir_cron_progress_id=progress.id, cron_id=cron.id
    )._cron_close_periods()
    env.flush_all()
    if batch == 1:
        env.cr.commit()
        print("BATCH 1 COMMITTED", progress.done, progress.remaining, flush=True)
    else:
        print("BATCH 2 WRITTEN", progress.done, progress.remaining, flush=True)
        time.sleep(600)  # killed here, before the commit
