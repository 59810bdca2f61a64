# Two commands do all set-up on a fresh machine:
#   make run    creates .venv, installs requirements.txt, starts the dashboard on http://127.0.0.1:8501
#   make test   the same set-up plus Debian's chromium (browser tests) and python3-qgis (the
#               GeoPackage's QGIS styles), then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
PORT   ?= 8501

.PHONY: setup run test lint bench chromium qgis clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# QGIS (Debian's python3-qgis) for the check that the GeoPackage's styles open in QGIS
# (tests/test_qgis_styles.py); the project itself never imports it.
qgis:
	@if ! QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then \
		echo "Installing Debian's python3-qgis for the GeoPackage style tests"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-qgis >/dev/null; \
	fi

run: setup
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: setup chromium qgis
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check coverage dashboard app.py tests bench scripts
	$(BIN)/mypy

bench: setup chromium
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) artifacts .pytest_cache .hypothesis
