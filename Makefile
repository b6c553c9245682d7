# Everything a fresh machine needs: `make run` and `make test` create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lock clean package package-smoke

# constraints.txt pins every package to the versions the suite last passed with, so a
# fresh clone installs what was tested, not whatever was released this morning.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	# pymatting's numba kernels compile on first use (a minute on 2 cores): once, here.
	$(BIN)/python -m core.masks.refine_edge
	touch $(STAMP)

install: $(STAMP)

# Opens the bundled sample shoot in the app with the bundled model.
# Checks first for the system libraries Qt's xcb plugin needs (one apt-get line if not).
run: $(STAMP)
	@bash scripts/check_qt_libraries.sh
	$(BIN)/garment-cutout gui

# The import-linter contracts (pyproject.toml) first: a layering break fails in seconds.
test: $(STAMP)
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m pytest -q

# The newest releases allowed by pyproject.toml, in a scratch venv; then run `make test`
# and commit constraints.txt if it passes.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e ".[test]"
	( echo "# Every package version the test suite last passed with; \`make install\` installs within these."; \
	  echo "# Refresh with \`make lock\` (a fresh venv, the newest releases, then their versions written here)."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build *.egg-info

# The desktop bundle for this platform (packaging/, PyInstaller): dist/garment-cutout/ and
# dist/garment-cutout-<version>-<os>-<arch>.tar.gz. Installs the `package` extra first.
PACKAGE_STAMP := $(VENV)/.installed-package
$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,package]"
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	$(BIN)/python packaging/build.py

# Builds the bundle, then runs it: the GUI offscreen on the sample shoot (predict, export,
# check the PNGs), the bundled `garment-cutout predict` on a folder, and what it links to.
package-smoke: package
	GARMENT_CUTOUT_BUNDLE=dist/garment-cutout TF_CPP_MIN_LOG_LEVEL=2 \
		$(BIN)/python -m pytest -m bundle tests/packaging -q -p no:cacheprovider
