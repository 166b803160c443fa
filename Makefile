# Atelier: one Makefile for set-up, run, tests, lint and benchmarks.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: install run test lint bench system-deps axe-deps clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/atelier ui --port $(PORT)

# Debian packages some tests need: Chromium for the end-to-end and accessibility tests
# (Playwright's own download does not work offline) and Tesseract for OCR of scanned PDFs. Tests
# skip, saying which target installs what they miss, when they are absent.
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

test: install system-deps axe-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/runtime.py
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
