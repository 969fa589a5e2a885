# spacebridge: every target builds .venv from nothing when needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_OUT ?= demo-output

.PHONY: demo test lint typecheck pytest bench serve clean vendor-web

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[all,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/spacebridge demo --out $(DEMO_OUT)
	@echo "Report: $(DEMO_OUT)/report.html"

test: lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

serve: $(STAMP)
	$(VENV)/bin/spacebridge serve --data $(DEMO_OUT)

# Re-vendor the web map libraries from npm (build time only; the files are committed, nothing loads a CDN).
WEB_DIR := src/spacebridge/web
VENDOR  := $(WEB_DIR)/static/vendor
vendor-web:
	rm -rf build/web-vendor && mkdir -p build/web-vendor
	cp $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json build/web-vendor/
	cd build/web-vendor && npm ci --no-audit --no-fund
	cp build/web-vendor/node_modules/leaflet/dist/leaflet.js build/web-vendor/node_modules/leaflet/dist/leaflet.css \
	   build/web-vendor/node_modules/leaflet/LICENSE $(VENDOR)/leaflet/
	cp -r build/web-vendor/node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp build/web-vendor/node_modules/leaflet-draw/dist/leaflet.draw.js \
	   build/web-vendor/node_modules/leaflet-draw/dist/leaflet.draw.css $(VENDOR)/leaflet-draw/
	cp -r build/web-vendor/node_modules/leaflet-draw/dist/images $(VENDOR)/leaflet-draw/
	cp build/web-vendor/node_modules/uplot/dist/uPlot.iife.min.js build/web-vendor/node_modules/uplot/dist/uPlot.min.css \
	   build/web-vendor/node_modules/uplot/LICENSE $(VENDOR)/uplot/

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
