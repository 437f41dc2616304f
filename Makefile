# Caseway: `make demo` sets up and serves the demo; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DEV    := CASEWAY_ENV=development

.PHONY: demo test lint install system-deps clean

$(BIN)/.installed: pyproject.toml requirements/lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/lock.txt -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(DEV) $(BIN)/caseway setup --verbosity 0
	$(DEV) $(BIN)/caseway demo
	@echo "Caseway is serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)."
	$(DEV) $(BIN)/caseway runserver 127.0.0.1:$(PORT)

# Browser tests drive Debian's chromium; Korean in pages, charts and PDF reports needs a CJK
# font; the translation test uses xgettext. Install what is missing.
system-deps:
	@test -x /usr/bin/chromium && command -v xgettext >/dev/null \
	  && fc-list :lang=ko 2>/dev/null | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk gettext; }

test: install system-deps
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) var
