# Strategy Cube: every target sets itself up (venv, install, Java check).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUBSCRIBERS ?= 100000
SEED ?= 7
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PYSPARK_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: setup java demo test lint fmt bench clean

setup: $(STAMP) java

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 (e.g. 'apt-get install python3.11 python3.11-venv')"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

java:
	@scripts/check-java.sh

demo: setup
	$(BIN)/cube demo --subscribers $(SUBSCRIBERS) --seed $(SEED)

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m cube.bench $(BENCH_ARGS)

clean:
	rm -rf var/ .pytest_cache spark-warehouse metastore_db
