# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	scripts/install-fonts
	$(BIN)/control-center demo

test: $(BIN)/.installed
	scripts/install-chromium
	scripts/install-haproxy
	scripts/install-fonts
	scripts/install-cluster
	scripts/install-nats
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest
	scripts/flood-guard

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

# Re-extract the UI strings after changing templates; translate in control_center/locale/*/messages.po.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -o control_center/locale/messages.pot .
	$(BIN)/pybabel update -i control_center/locale/messages.pot -d control_center/locale --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
