# mdmkit developer tasks. `make demo` and `make test` are all a new machine needs:
# both create .venv and install the package (editable, with the dev extra) on first use.
#
#   PYTHON=python3.12   the interpreter that creates .venv (3.11 or newer; default python3).
#                       Without PYTHON=, an existing healthy .venv is kept whatever made it;
#                       with it, a .venv made by another Python version is rebuilt.
#   VENV=.venv313       where the virtual environment lives (one per Python, if you like):
#                       make test PYTHON=python3.13 VENV=.venv313

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
SOURCES := mdmkit tests examples benchmarks

# "3.12" for a Python new enough; otherwise words saying what it is.
VERSION_OF = $(shell $(1) -c 'import sys; v = sys.version_info; \
	print("%d.%d" % v[:2] if v >= (3, 11) else "Python %d.%d.%d (too old)" % v[:3])' \
	2>/dev/null || echo "no Python (not found)")
VENV_PYTHON := $(call VERSION_OF,$(BIN)/python)
ifeq ($(origin PYTHON)$(filter 3.%,$(VENV_PYTHON)),file$(VENV_PYTHON))
WANT_PYTHON := $(VENV_PYTHON)
else
WANT_PYTHON := $(call VERSION_OF,$(PYTHON))
endif
ifneq ($(VENV_PYTHON),$(WANT_PYTHON))
.PHONY: $(STAMP)  # no .venv yet, or one made by another Python: (re)build it
endif

.PHONY: install lint format typecheck test coverage demo bench soak soak-short docs docs-serve clean

$(STAMP): pyproject.toml
	@case "$(WANT_PYTHON)" in 3.*) ;; *) \
	  echo "mdmkit needs Python 3.11 or newer; PYTHON=$(PYTHON) gives $(WANT_PYTHON)."; \
	  echo "Install one and name it, e.g.: make $(or $(MAKECMDGOALS),install) PYTHON=python3.12"; \
	  exit 1;; esac
	@if [ "$(VENV_PYTHON)" != "$(WANT_PYTHON)" ]; then \
	  if [ -e $(VENV) ]; then \
	    echo "$(VENV) holds $(VENV_PYTHON), not Python $(WANT_PYTHON): rebuilding it"; \
	    rm -rf $(VENV); \
	  fi; \
	  $(PYTHON) -m venv $(VENV); \
	fi
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

# mypy --strict over the tree; pyright --strict over the examples ([tool.pyright]); and the
# share of the public API whose types a checker need not guess (pyright --verifytypes), at
# least 98%. pyright's wheel bundles pyright's JavaScript; it runs on the machine's node.
typecheck: $(STAMP)
	$(BIN)/mypy --strict
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pyright
	$(BIN)/python tests/verifytypes.py --minimum 98

# pytest under coverage, then one line per area (each must reach 90%), then pytest's own
# closing line again, so the last line says how the run went. Full table: coverage.txt.
test: lint typecheck
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest | tee $(VENV)/pytest.log
	@$(BIN)/coverage report > coverage.txt
	@failed=0; echo "coverage (at least 90% each; every file: coverage.txt or make coverage)"; \
	for area in "core + http=mdmkit/core/*,mdmkit/http/*" "simplemdm=mdmkit/simplemdm/*" \
	            "manageengine=mdmkit/manageengine/*"; do \
	  total=$$($(BIN)/coverage report --format=total --include="$${area#*=}" --fail-under=90) \
	    || failed=1; \
	  printf '  %-14s %s%%\n' "$${area%%=*}" "$$total"; \
	done; \
	tail -n 1 $(VENV)/pytest.log; \
	exit $$failed

coverage: $(STAMP)
	$(BIN)/coverage report

demo: $(STAMP)
	$(BIN)/python examples/fleet_tour.py
	$(BIN)/python examples/simplemdm_tour.py
	$(BIN)/python examples/manageengine_tour.py

# The speed extra (orjson) and the peer SimpleMDMpy 3.0.7 go into .venv for the benchmarks only
# (SimpleMDMpy is in no extra: benchmarks/speed.py compares mdmkit with it).
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,speed]' 'SimpleMDMpy==3.0.7'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/cli.py

# The soak (docs/testing.md): 10,000 operations over both fakes under 10% faults and 1%
# cancellations, and 20,000 hostile bodies from a raw server; a figures table, exit 1 on any
# defect. SEED=n reproduces a run (without it a seed is drawn and printed).
SEED ?=
SOAK = $(BIN)/python -m tests.soak $(if $(SEED),--seed $(SEED))

soak: $(STAMP)
	$(SOAK)

soak-short: $(STAMP)
	$(SOAK) --operations 1000 --bodies 2000

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(DOCS_STAMP)

# The site from docs/ and mkdocs.yml into site/; --strict fails on a broken link or reference,
# and tests/docs_hooks.py on a public name missing from the API reference. (Material's
# notice about MkDocs 2.0 is silenced: it says nothing about this site.)
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) .coverage coverage.txt .mypy_cache .ruff_cache build dist site *.egg-info
