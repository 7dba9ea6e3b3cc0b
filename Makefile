# Quick start: `make demo` and `make test`. Both create .venv and install from pyproject.toml when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The external acceptance suite, run when it exists beside the checkout (as in CI).
ACCEPTANCE ?= ../shared/acceptance
ACCEPTANCE_HERE := $(wildcard $(ACCEPTANCE))
NO_ACCEPTANCE := echo "$(ACCEPTANCE) does not exist here: the acceptance suite is not run"
PYTEST := $(PY) -m pytest -c pyproject.toml --rootdir=.
WORKERS ?= 2

.PHONY: demo test ci matrix test-project test-acceptance lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,ci]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m fakeqpu.demo

test: $(STAMP) lint typecheck
	@test -d $(ACCEPTANCE) || $(NO_ACCEPTANCE)
	$(PYTEST) -n $(WORKERS) tests docs $(ACCEPTANCE_HERE)

# Every supported qiskit-ibm-runtime release: client-facing tests, acceptance, downstream/ (.ci/matrix.py).
matrix: $(STAMP)
	$(PY) .ci/matrix.py $(VERSIONS)

# What CI runs: the whole suite on the newest client, then the matrix.
ci: test matrix

test-project: $(STAMP)
	$(PYTEST) -n $(WORKERS) tests docs

test-acceptance: $(STAMP)
	@test -d $(ACCEPTANCE) || ($(NO_ACCEPTANCE); exit 1)
	$(PYTEST) -n $(WORKERS) $(ACCEPTANCE)

lint: $(STAMP)
	$(VENV)/bin/ruff check fakeqpu tests benchmarks docs downstream .ci
	$(VENV)/bin/ruff format --check fakeqpu

typecheck: $(STAMP)
	$(VENV)/bin/mypy fakeqpu

bench: $(STAMP)
	$(PY) benchmarks/bench_execution.py
	$(PY) benchmarks/bench_clock.py
	$(PY) benchmarks/bench_max_ttl.py
	$(PY) benchmarks/bench_fixtures.py
	$(PY) benchmarks/bench_fleet.py
	$(PY) benchmarks/bench_server.py
	$(PY) benchmarks/bench_toolkit.py
	$(PY) benchmarks/bench_xdist.py
	$(PY) benchmarks/bench_rest.py

clean:
	rm -rf $(VENV) .matrix build *.egg-info
