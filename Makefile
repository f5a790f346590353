# liqlib: two commands on a fresh machine.
#   make report   create .venv, install, run every NN notebook headless (20-report = a BTCUSDT
#                 report), write reports/*.html and reports/index.html
#   make test     create .venv, install, lint and run every test tier
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# A local copy of the Binance archive (data/futures/um/...). When it exists it is served on
# 127.0.0.1 for the report run; leave empty to use $$LIQLIB_BINANCE_ARCHIVE_URL or the internet.
MIRROR ?= $(firstword $(wildcard ../shared/data/mirror))
PYTEST_ARGS ?=

.PHONY: install report test lint format bench lab clean demo-data

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/liqlib report --out reports $(if $(MIRROR),--mirror $(MIRROR))

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)  ## also strips notebook outputs: notebooks are committed without them
	$(BIN)/jupyter nbconvert --log-level=WARN --clear-output --inplace notebooks/*.ipynb
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo-data: $(STAMP)  ## rebuild data/demo (SIMULATED, fixed seed) and its sha256 registry
	$(BIN)/python -c 'from liqlib.demo import main; main()'

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
