# The README's two commands are `make run` and `make test`; each sets itself up.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

setup:
	@bash scripts/setup.sh

# The kiosk's main job on the embedded demo default.
run: setup
	@bash scripts/run-demo.sh

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/confirm.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info
