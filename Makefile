# Two commands do all the set-up (see README):
#   make run     the flagship paired experiment, on embedded defaults
#   make test    lint, type checks and the whole test suite (and the browser it needs)
# Both create .venv (Python >= 3.12) and install the project into it when needed.

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= $(shell command -v python3.12 || command -v python3)
ARGS   ?=

.PHONY: run test check lint browser bench calibrate clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "accessrace needs Python >= 3.12; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
	  echo "Install one (pyenv: 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster,discovery,calibrate]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/accessrace experiment=flagship $(ARGS)

# Recalibrate the history world (ABC-SMC, ~15-30 min on 2 cores), find where the cutoff's
# answer flips, and ship the posterior, the fit, the predictions and the flips into
# data/calibration/ (commit them with the code that made them).
calibrate: $(STAMP)
	$(BIN)/accessrace experiment=calibrate calibrate.ship=true $(ARGS)
	$(BIN)/accessrace experiment=flips flips.ship=true

lint: $(STAMP)
	$(BIN)/ruff check sim experiments hydra_plugins tests benchmarks notebooks docs
	$(BIN)/ruff format --check sim experiments hydra_plugins tests benchmarks notebooks docs
	$(BIN)/mypy

# The dashboard test's Chromium: installed on Debian as root (or with sudo -n); elsewhere
# a one-line instruction, before anything runs.
browser:
	@.ci/ensure-browser

test: browser lint
	$(BIN)/pytest

# The fast tier for daily work: lint, types and every test not marked slow.
check: lint
	$(BIN)/pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_developer_step.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_sweeps.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_pairs.py
	$(BIN)/python benchmarks/bench_before_after.py
	$(BIN)/python benchmarks/bench_calibrate.py

clean-venv:
	rm -rf $(VENV)
