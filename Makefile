# Every target creates or refreshes .venv by itself: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REGION ?= groningen
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: run demo test synth bench lint check-region clean

$(STAMP): pyproject.toml package.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@command -v npm >/dev/null && npm install --silent --no-audit --no-fund || echo "npm not found: 'cdk deploy' needs Node.js (synth and tests do not)"
	@touch $(STAMP)

run: $(STAMP)  ## start the whole platform locally (moto :4566, API :3000, demo region)
	$(PY) -m infra.local run --region $(REGION)

demo: $(STAMP)  ## play the whole story against the running local host (make run first)
	$(PY) -m infra.demo $(DEMO_ARGS)

test: $(STAMP)  ## the whole test suite
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

synth: $(STAMP)  ## one CloudFormation template per region in cdk.out/, checked by cdk-nag and cfn-lint
	$(PY) app.py
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

check-region: $(STAMP)  ## validate infra/regions/$(REGION).yaml and synthesize its stack
	$(PY) -m infra.config $(REGION)
	$(PY) app.py -c region=$(REGION)

bench: $(STAMP)  ## benchmarks: cold import vs a baseline, bundle sizes, AWS calls, notification and video offer latency
	$(PY) -m bench.cold_import
	$(PY) -m bench.signal_calls
	$(PY) -m bench.plan_calls
	$(PY) -m bench.video_calls
	$(PY) -m bench.notification_latency
	$(PY) -m bench.video_offer

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) cdk.out build node_modules
