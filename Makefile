# rebate_management: the project's commands (see README.md).
.PHONY: setup run test lint bench clean backup restore restore-drill

setup:
	@scripts/setup.sh

run: setup
	@scripts/run.sh

test: setup
	@scripts/test.sh

lint: setup
	@scripts/lint.sh

bench: setup
	@scripts/bench.sh

# the project's database and its filestore, by Odoo's own db dump / db load
backup: setup
	@scripts/backup.sh

restore: setup
	@FILE="$(FILE)" scripts/restore.sh

restore-drill: setup
	@scripts/restore_drill.sh

clean:
	@scripts/clean.sh
