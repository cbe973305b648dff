# ShopDesk — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshots clean lint package smoke-frozen

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/shopdesk gui

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

screenshots: $(STAMP)
	rm -f /tmp/shopdesk-screens.sqlite /tmp/shopdesk-screens.sqlite-wal /tmp/shopdesk-screens.sqlite-shm
	QT_QPA_PLATFORM=offscreen $(BIN)/shopdesk --db /tmp/shopdesk-screens.sqlite demo --orders 300 --seed 7
	QT_QPA_PLATFORM=offscreen $(BIN)/shopdesk --db /tmp/shopdesk-screens.sqlite gui --screenshots resources/screenshots

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff==0.17.6
	$(BIN)/ruff check app db ui tests

# The frozen program (PyInstaller, packaging/shopdesk.spec): dist/ShopDesk/ with ShopDesk + shopdesk.
package: $(STAMP)
	$(BIN)/pip install --quiet pyinstaller==6.22.3
	PYTHON=$(BIN)/python packaging/build.sh

smoke-frozen: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q tests/packaging

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
