# Payline: `make run` starts everything, `make test` runs every test.
# Both bootstrap whatever is missing first (idempotent; re-install only when pins change).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
PY311 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.11.*/bin/python) $(shell command -v python3.11))
PY310 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.10.*/bin/python) $(shell command -v python3.10))

VENV := .venv
RASA_VENV := .venv-rasa
APP_STAMP := $(VENV)/.installed
RASA_STAMP := $(RASA_VENV)/.installed
ENVIRONMENTS := $(APP_STAMP) $(RASA_STAMP)
PAYLINE := $(VENV)/bin/payline
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: help run test bootstrap db model lint lock clean

help:
	@echo "make run   - bootstrap (both venvs, database, demo data) and start Payline"
	@echo "make test  - bootstrap and run every test (ruff, mypy, unit, integration, e2e)"
	@echo "make lock  - re-pin requirements/*.lock from requirements/*.in"

# --- environments -----------------------------------------------------------------------
$(APP_STAMP): requirements/app.lock pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 not found (pyenv or python3.11)"; exit 1; }
	@echo "==> .venv (Python 3.11): installing pinned requirements"
	@test -x $(VENV)/bin/python || $(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -r requirements/app.lock
	$(VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e .
	@touch $@

$(RASA_STAMP): requirements/rasa.lock requirements/rasa-nodeps.lock
	@test -n "$(PY310)" || { echo "Python 3.10 not found (pyenv or python3.10)"; exit 1; }
	@echo "==> .venv-rasa (Python 3.10): installing rasa==3.6.21 (about 3 minutes, 2.7 GB)"
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/rasa.lock
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) --no-deps -r requirements/rasa-nodeps.lock
	@touch $@

# The two environments install side by side: each pip keeps about one core busy unpacking.
bootstrap:
	@$(MAKE) --no-print-directory --jobs=2 $(ENVIRONMENTS)

# --- the chatbot's two trained models: English and Spanish ---------------------------------
# Rasa 3.6 takes one language per model, so each language has its own: the same domain,
# rules and policies, its own NLU data (data/nlu/*.yml, data/nlu/es/*.yml), config and
# responses (chatbot/responses/<language>.yml). Each is retrained only when its inputs change
# (make compares file times; after a fresh checkout Rasa's own cache under .rasa/ skips
# unchanged components).
LANGUAGES := en es
MODELS := $(foreach l,$(LANGUAGES),var/models/payline-$(l).tar.gz)
CONFIG_en := chatbot/config.yml
CONFIG_es := chatbot/config.es.yml
NLU_en := $(wildcard data/nlu/*.yml)
NLU_es := $(wildcard data/nlu/es/*.yml)
DIALOGUE := chatbot/domain.yml $(wildcard chatbot/data/*.yml)
# The Rasa environment, TensorFlow's threads and the hash seed are set by the command.
.SECONDEXPANSION:
var/models/payline-%.tar.gz: $(APP_STAMP) $(RASA_STAMP) $$(CONFIG_$$*) $$(NLU_$$*) $(DIALOGUE) \
		chatbot/responses/%.yml
	$(PAYLINE) chatbot-train --language $*
	@touch $@

# The two trainings run side by side: each keeps little more than one core busy (TensorFlow's
# small batches), so on 2 cores both took 5 minutes side by side (docs/nlu-report.md).
model: $(APP_STAMP) $(RASA_STAMP)
	@$(MAKE) --no-print-directory --jobs=2 $(MODELS)

# --- database and demo data --------------------------------------------------------------
db: $(APP_STAMP)
	$(PAYLINE) db upgrade
	$(PAYLINE) seed --if-empty

# --- the browser the page tests drive (Debian's chromium via Playwright) --------------------
# Checked on every run (cheap); installed from Debian only when missing (sudo unless root).
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || { \
	  echo "==> installing Debian's chromium for the browser tests"; \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium; }

# --- the two commands --------------------------------------------------------------------
# PAYLINE_PROCESSOR=stripe without STRIPE_SECRET_KEY is a local trial: localstripe (a fake Stripe
# API on 127.0.0.1:8420, PAYLINE_LOCALSTRIPE_PORT) starts too, and Payline talks to it instead
# of Stripe; the demo residents' saved cards are made there first (payline stripe-demo-cards).
LOCALSTRIPE_URL = http://127.0.0.1:$${PAYLINE_LOCALSTRIPE_PORT:-8420}
PROCESSES := web scheduler rasa rasa-es actions

run: bootstrap db model
	@echo "==> starting Payline (Ctrl-C stops every process)"
	@procs="$(PROCESSES)"; \
	if [ "$${PAYLINE_PROCESSOR:-sandbox}" = stripe ] && [ -z "$${STRIPE_SECRET_KEY:-}" ]; then \
	  export PAYLINE_STRIPE_API_URL="$${PAYLINE_STRIPE_API_URL:-$(LOCALSTRIPE_URL)}"; \
	  procs="$$procs localstripe"; \
	  echo "==> Stripe mode, local trial: localstripe at $$PAYLINE_STRIPE_API_URL"; \
	  $(PAYLINE) stripe-demo-cards || exit 1; \
	fi; \
	exec $(VENV)/bin/honcho start -f Procfile $$procs

# Two pytest workers (pytest-xdist) on the 2 cores: 8 to 10 minutes here. The live chatbot
# tests stay on one worker (tests/conftest.py), so its Rasa pair starts once; the `rasa test`
# evaluation runs beside them.
PYTEST_WORKERS ?= 2
# The environments and the browser install side by side, then the models train side by side.
test:
	@$(MAKE) --no-print-directory --jobs=3 $(ENVIRONMENTS) chromium
	@$(MAKE) --no-print-directory model
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# --- maintenance -------------------------------------------------------------------------
lint: $(APP_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

lock:
	@tmp=$$(mktemp -d) && \
	$(PY311) -m venv $$tmp/app && $$tmp/app/bin/pip install $(PIP_FLAGS) -r requirements/app.in && \
	{ echo "# Exact pins for .venv (Python 3.11). Generated by 'make lock' from app.in."; \
	  $$tmp/app/bin/pip freeze --exclude-editable; } > requirements/app.lock && \
	$(PY310) -m venv $$tmp/rasa && $$tmp/rasa/bin/pip install $(PIP_FLAGS) -r requirements/rasa.in && \
	{ echo "# Exact pins for .venv-rasa (Python 3.10). Generated by 'make lock' from rasa.in."; \
	  $$tmp/rasa/bin/pip freeze; } > requirements/rasa.lock && rm -rf $$tmp

clean:
	rm -rf $(VENV) $(RASA_VENV) var/*.db
