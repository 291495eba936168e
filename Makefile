# mdmkit developer tasks. `make demo` and `make test` are all a new machine needs:
# both create .venv and install the package (editable, with the dev extra) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCES := mdmkit tests examples benchmarks

.PHONY: install lint format typecheck test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

format: $(STAMP)
	$(BIN)/ruff format $(SOURCES)
	$(BIN)/ruff check --fix $(SOURCES)

typecheck: $(STAMP)
	$(BIN)/mypy --strict

test: lint typecheck
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report --include='mdmkit/core/*,mdmkit/http/*' --fail-under=90
	$(BIN)/coverage report --include='mdmkit/simplemdm/*' --fail-under=90
	$(BIN)/coverage report --include='mdmkit/manageengine/*' --fail-under=90
	$(BIN)/coverage report

demo: $(STAMP)
	$(BIN)/python examples/fleet_tour.py
	$(BIN)/python examples/simplemdm_tour.py
	$(BIN)/python examples/manageengine_tour.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .coverage .mypy_cache .ruff_cache build dist *.egg-info
