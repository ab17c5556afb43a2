# Two commands do all the set-up on a fresh machine with Python 3.11 and pip:
#   make demo   create .venv, install jaxfne, run the 100-neuron workflow
#   make test   create .venv with the dev extras, run ruff, mypy and pytest
#   make docs   build the documentation site (site/) in strict mode
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: demo test lint typecheck pytest bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-viz: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[viz]"
	touch $@

demo: $(VENV)/.installed-viz
	$(BIN)/python examples/network_100_ei.py --out $(OUT)/network_100_ei

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck pytest

# Peers: NEST, Brian2 and brainstate each in its own environment (install.sh),
# then the side-by-side table; BENCH_SIZES=100 1000 10000 100000 for all sizes.
BENCH_SIZES ?= 100 1000 10000
bench: $(VENV)/.installed-dev
	bash benchmarks/peers/install.sh
	$(PYTHON) benchmarks/peers/run.py --check
	$(PYTHON) benchmarks/peers/run.py --sizes $(BENCH_SIZES) --repeats 5
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_grad.py
	$(BIN)/python benchmarks/bench_surrogate.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_long.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_column.py --scale 0.1 --sim-ms 1500 --warmup-ms 500
	$(BIN)/python benchmarks/bench_evoked.py --scale 0.1 --pulses 20 --interval-ms 100 --channels

# The documentation site (mkdocs-material + mkdocstrings) into site/, failing on any warning.
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
