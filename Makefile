# Atelier: one Makefile for set-up, run, tests, lint and benchmarks.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two stamps: the app's runtime dependencies (`make run`) and, on top, the developer tools
# (`make test`, `make lint`). Each is redone when pyproject.toml changes.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PORT   ?= 8501
# The suite runs in this many processes (pytest-xdist); each test has its own data directory.
TEST_PROCESSES ?= 2

.PHONY: install install-dev run test lint lint-imports bench system-deps axe-deps clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

# A port already taken is said in words (`make run PORT=8502` chooses another).
run: install
	$(BIN)/atelier ui --port $(PORT)

# Debian packages some tests need: Chromium for the end-to-end and accessibility tests
# (Playwright's own download does not work offline) and Tesseract for OCR of scanned PDFs. Tests
# skip, saying which target installs what they miss, when they are absent.
# The app itself reads scanned pages only with Tesseract installed: `atelier ui` says so, and how
# to install it (`sudo apt-get install tesseract-ocr tesseract-ocr-fra`), when it is missing.
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng
system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install$$missing: the tests that need them will be skipped"; \
	  else echo "missing$$missing and no root: the tests that need them will be skipped"; fi; \
	fi

# axe-core (the accessibility rules the browser test runs on every page), from npm into .cache/axe:
# CI reaches the npm registry. Without npm the accessibility test is skipped and says why.
AXE_VERSION := 4.14.1
AXE_DIR     := .cache/axe
axe-deps:
	@if grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then :; \
	elif command -v npm >/dev/null; then \
	  mkdir -p $(AXE_DIR) && npm install --prefix $(AXE_DIR) --no-save --no-audit --no-fund --silent \
	    axe-core@$(AXE_VERSION) || echo "could not install axe-core: the accessibility test will be skipped"; \
	else echo "npm is absent: the accessibility test will be skipped (apt-get install npm)"; fi

test: install-dev system-deps axe-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(TEST_PROCESSES)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Which package may import which (ARCHITECTURE.md; contracts in pyproject.toml).
lint-imports: install-dev
	$(BIN)/lint-imports

bench: install-dev
	$(BIN)/python bench/runtime.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/organisation.py
	$(BIN)/python bench/usage.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
