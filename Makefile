# FiveC: `make run` starts the demo network, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
FIVEC_PORT ?= 5000
export FIVEC_PORT

.PHONY: install run test lint format perf clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/flask --app fivec db upgrade
	$(BIN)/flask --app fivec demo load --if-empty
	@echo ""
	@echo "  FiveC is starting on http://127.0.0.1:$(FIVEC_PORT)  (Ctrl+C stops it)"
	@echo ""
	$(BIN)/flask --app fivec run --host 127.0.0.1 --port $(FIVEC_PORT)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format platform moderation benchmarks tests perf

test: lint
	$(BIN)/python -m pytest

perf: install
	$(BIN)/python -m pip install --quiet -e '.[dev,perf]'
	$(BIN)/python perf/run.py $(PERF_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
