# callcoach: two commands on a fresh Debian machine.
#   make demo   set up, then stream a synthesized call through the live service
#   make test   set up, then run the whole test suite
# Setup is idempotent: each step runs again only when its inputs changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system python node display model bench clean

demo: setup
	$(VENV)/bin/coach demo

test: setup
	$(VENV)/bin/pytest -q

setup: system python node display model

system:
	@scripts/bootstrap_system.sh

python: $(STAMP)
$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "callcoach needs Python >= 3.11"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,ray]'
	touch $@

node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

display: python node
	$(PY) -m service.display.vendor

model: python
	$(PY) -m service.asr.models prepare

bench: setup
	$(PY) scripts/bench_replay.py

clean:
	rm -rf $(VENV) node_modules out build *.egg-info
