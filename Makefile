# The README's two commands are `make run` and `make test`; each sets itself up.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test test-core-only lint bench mutants harmful-changes clean

setup:
	@bash scripts/setup.sh

# The kiosk's main job on the embedded demo default.
run: setup
	@bash scripts/run-demo.sh

# One worker per core (at most four), a file's tests on one worker: module fixtures such
# as a shared platform process start once. The windows' tests run in processes of their
# own: a process that ran the other layers first has been seen to stall in Qt's timer
# list while closing a window (not understood yet; the UI layer alone never has).
PYTEST := $(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile
test: setup
	$(PYTEST) --ignore=tests/ui
	$(PYTEST) tests/ui

# The core's tests and `kiosk status` in a fresh environment without the UI and
# platform extras (no PySide6, no FastAPI).
test-core-only:
	@bash scripts/check-core-only.sh

# qmllint over the QML module, knowing the Python view-models from the .qmltypes that
# scripts/qml_types.py writes; any warning fails (-W 0).
QML_MODULE := ui/qml/Kiosk
QML_TYPES := build/qmltypes

# ruff, qmllint, and the import contracts of the layers (pyproject.toml [tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/qml_types.py $(QML_TYPES)
	$(BIN)/pyside6-qmllint -W 0 -I ui/qml -I $(QML_TYPES) -i $(QML_MODULE)/qmldir \
		$(QML_MODULE)/*.qml $(QML_MODULE)/screens/*.qml

# Mutation testing of the modules that carry the promises; slow, not in CI.
mutants: setup
	@bash scripts/mutants.sh

# Each harmful change that once passed the whole suite, made again: every one must fail
# a test (scripts/harmful_changes.py). Slow (the e2e and UI tests concerned), not in CI.
harmful-changes: setup
	$(BIN)/python scripts/harmful_changes.py

bench: setup
	$(BIN)/python bench/confirm.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info mutants mutants.log

# The installable kiosk: a one-folder bundle (dist/petition-kiosk/), a .deb, and
# the smoke check CI runs on the bundle. See docs/install.md.
.PHONY: bundle deb bundle-check

$(VENV)/.bundle-stamp: pyproject.toml | setup
	$(BIN)/python -m pip install -q -e '.[bundle]'
	touch $@

bundle: setup $(VENV)/.bundle-stamp
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build_kiosk.spec
	@du -sh dist/petition-kiosk

deb: bundle
	bash packaging/build-deb.sh

bundle-check: bundle
	bash packaging/bundle-check.sh dist/petition-kiosk
