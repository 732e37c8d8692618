# The two commands of the README: `make demo` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The main job on the embedded default: the suite against the bundled mock CPO, reports in reports/.
demo: $(VENV)/.installed
	$(BIN)/ocpi-conformance run --mock cpo

# The project's own tests (what .ci/run runs): two workers, each test file kept on one worker so
# its module fixtures (a whole suite run against a mock) are built once.
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build dist *.egg-info reports/*.html reports/*.xml reports/*.json
