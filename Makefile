# rebate_management: the project's commands (see README.md).
.PHONY: setup setup-19 run test test-19 test-wheel wheel pytest i18n i18n-check close-drill lint bench clean backup restore restore-drill

setup:
	@scripts/setup.sh

run: setup
	@scripts/run.sh

test: setup
	@scripts/test.sh

# the same tests on Odoo 19 ($$ODOO19_SRC, else /opt/odoo/19.0): its own venv
# (.venv19) and databases (rebate_test19*); docs/odoo19.md
setup-19:
	@ODOO_SERIES=19 scripts/setup.sh

test-19: setup-19
	@ODOO_SERIES=19 scripts/test.sh

# the addons' wheels into dist/, and the tests run from them installed
wheel: setup
	@scripts/wheel.sh

test-wheel: setup
	@scripts/test_wheel.sh

# the tests under pytest-odoo, pytest's selection in ARGS (a file, -k ...)
pytest: setup
	@scripts/pytest.sh $(ARGS)

# the translation templates and zh_CN regenerated; the check fails when
# they were out of date or a term is untranslated
i18n: setup
	@scripts/i18n.sh

i18n-check: setup
	@I18N_CHECK=1 scripts/i18n.sh

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

# the scheduled close killed in a batch, run again: nothing lost or doubled
close-drill: setup
	@scripts/close_crash_drill.sh

clean:
	@scripts/clean.sh
