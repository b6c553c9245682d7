# Everything a fresh machine needs: `make run` and `make test` create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Opens the bundled sample shoot in the app with the bundled model.
run: $(STAMP)
	$(BIN)/garment-cutout gui

# The import-linter contracts (pyproject.toml) first: a layering break fails in seconds.
test: $(STAMP)
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
