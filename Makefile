# One venv, reused across runs; rebuilt only when a requirements file changes.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: plan test lint
plan: $(STAMP)  ## set up, then the offline plan of the dev stack on the built-in fake Azure
	$(VENV)/bin/python -m dsvmctl plan --stack $(or $(STACK),dev)

test: $(STAMP)  ## set up, then lint, type-check and run the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -n 2

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)
