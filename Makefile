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
# every extra of pyproject.toml: the core library is lean, the suite needs them all
EXTRAS := explorer,report,app,browser,dev,scan

.PHONY: install report test lint format bench lab dashboard clean demo-data

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
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

demo-data: $(STAMP)  ## rebuild liqlib/datasets/demo (SIMULATED, fixed seed) and its sha256 registry
	$(BIN)/python -c 'from liqlib.sim.demo import main; main()'

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# JupyterLab and Voila refuse to run as root without --allow-root (containers run as root)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
DASHBOARD_PORT ?= 8866
DASHBOARD_NOTEBOOK ?= notebooks/03-heatmap-explorer.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ip=127.0.0.1 notebooks/

dashboard: $(STAMP)  ## the explorer notebook as a Voila dashboard on 127.0.0.1
	@echo "dashboard: http://127.0.0.1:$(DASHBOARD_PORT)/  (Ctrl-C to stop)"
	$(BIN)/voila $(DASHBOARD_NOTEBOOK) --no-browser --Voila.ip=127.0.0.1 \
		--Voila.port=$(DASHBOARD_PORT) --Voila.port_retries=0 --Voila.token=''

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
