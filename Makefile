# rebate_management: the project's commands (see README.md).
.PHONY: setup run test lint bench clean

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

clean:
	@scripts/clean.sh
