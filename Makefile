# seawatch — the two commands of the README, and a few helpers.
# Needs only python3 (>= 3.11), make and pip; everything else comes from the package registries.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= seawatch-demo
# the versions tested together (see its header); refresh with `make constraints`
CONSTRAINTS ?= requirements/constraints.txt

.PHONY: demo test lint format bench clean constraints

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[test,drift]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/seawatch demo --out $(DEMO)

# In parallel (pytest-xdist, one worker per core), each test module on one worker.
# Serial: make test PYTEST_XDIST=; a subset: make test PYTEST_ARGS='-m "not slow"'.
PYTEST_XDIST ?= -n auto --dist loadscope
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check seawatch tests benchmarks scripts
	$(BIN)/ruff format --check seawatch tests benchmarks scripts

format: $(VENV)/.installed-test
	$(BIN)/ruff format seawatch tests benchmarks scripts
	$(BIN)/ruff check --fix seawatch tests benchmarks scripts

bench: $(VENV)/.installed-test
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info .pytest_cache

# Pin what a working test environment has, for the next fresh install (review the diff).
constraints: $(VENV)/.installed-test
	head -4 $(CONSTRAINTS) > $(CONSTRAINTS).new
	$(BIN)/pip freeze --exclude-editable | grep -v ' @ ' >> $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
