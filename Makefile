# Two commands for a fresh machine: `make build` and `make test`.
# Both install what they need first (system packages through apt when run as
# root, Python packages from requirements.lock into .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Debian packages: pango for WeasyPrint, and harfbuzz's subsetter, without which WeasyPrint subsets fonts with
# fontTools (slower; dated by SOURCE_DATE_EPOCH, which the build sets); chromium and poppler only for tests,
# and LibreOffice Writer (no GUI) for the tests that print the Word version as LibreOffice shows it.
BUILD_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 shared-mime-info
TEST_PACKAGES := chromium poppler-utils libreoffice-writer-nogui libreoffice-impress-nogui
# Only for `make bench-instructions`: callgrind counts instructions, which a noisy machine cannot move.
BENCH_PACKAGES := valgrind

.PHONY: build test test-fast check serve chapters bench bench-instructions clean system-build system-test setup

build: setup  ## Install everything, then build the bundled example: site, PDF and Word (a draft build; `strategy build --release` adds the archive PDF).
	$(BIN)/strategy build

test: setup system-test  ## Install everything, then run every test (on two workers; see README, *Tests*).
	$(BIN)/python -m pytest -n 2 -q

test-fast: setup system-test  ## The tests marked not slow (no full build, PDF render, browser or LibreOffice): a few minutes.
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

check: setup  ## Validate the inputs and report every problem.
	$(BIN)/strategy check

chapters: setup
	$(BIN)/strategy chapters

serve: setup  ## Live preview: edits to docs/ and inputs/ refresh the browser.
	$(BIN)/mkdocs serve

bench: setup  ## Benchmarks (not tests): each case beside its baseline (MkDocs + mkdocs-to-pdf, WeasyPrint alone, plain Material, Zensical), a profile; about 15 minutes.
	$(BIN)/python benchmarks/run.py

bench-instructions: setup  ## The print stylesheet's cost as instructions executed (steady; about 15 minutes).
	@./scripts/install-system-packages.sh $(BENCH_PACKAGES)
	$(BIN)/python benchmarks/run.py --instructions --only pdf

setup: system-build $(INSTALLED)

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

system-build:
	@./scripts/install-system-packages.sh $(BUILD_PACKAGES)

system-test:
	@./scripts/install-system-packages.sh $(TEST_PACKAGES)

clean:
	rm -rf site .build docs/generated reports
