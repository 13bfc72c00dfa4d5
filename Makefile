# Feedforward Neural Networks in Depth: one command per task. Every target builds the environment first,
# so on a fresh clone `make lab` and `make test` are all a newcomer types.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
PORT        ?=
PYTEST_ARGS ?=
BENCH_ARGS  ?=
GRADING_BENCH_ARGS ?= --students 4

# Same seeds and thread counts whenever notebooks or tests run, so outputs are reproducible.
export PYTHONHASHSEED       := 0
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS      ?= 1
export IPYKERNEL_CELL_NAME  := <IPY-INPUT>

ASSIGNMENT  ?=
STUDENT     ?=
ZIP         ?=
CSV         ?=
JOBS        ?=

.PHONY: help env system-packages lab test test-unit test-browser bench lock clean-env release collect autograde \
        feedback grades similarity roster broker worker hub hub-proxy hub-release

help:
	@echo "make lab     start JupyterLab on the course (student view) and print its URL"
	@echo "make test    run every test (creates .venv from the pinned requirements first);"
	@echo "             make test-unit / make test-browser run one half"
	@echo "make bench   print the speed benchmarks"
	@echo "make env     create or update .venv only;  make lock  re-pin requirements-lock.txt"
	@echo "Instructors: make release | collect [ZIP=downloads.zip] | autograde [ASSIGNMENT=..] [STUDENT=..]"
	@echo "             make feedback | grades | similarity [ASSIGNMENT=..] | roster CSV=students.csv"
	@echo "             make broker [PORT=6379] | worker [JOBS=n]: grading on a Celery queue across machines"
	@echo "             sudo make hub [PORT=8000] [INSTRUCTOR=login] [STUDENTS=\"a b\"] | hub-release ASSIGNMENT=..:"
	@echo "             the class's JupyterHub, grading each submission when it arrives"

# The environment ------------------------------------------------------------------------------------------------
env: $(STAMP)

$(STAMP): requirements.txt requirements-lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "make: the course needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." >&2; \
	  echo "      Install a newer Python, or point make at one: make PYTHON=python3.11 ..." >&2; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys' 2>/dev/null; then \
	  echo "make: $(VENV) is broken (its Python is gone); recreating it"; rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || { echo "make: creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing the pinned requirements into $(VENV) (a minute or two the first time)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements-lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "make: $(VENV) is ready"

lock: env
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check \
	  | grep -v -E '^(ffnn-course|pip|setuptools|wheel)==' > requirements-lock.txt
	@echo "make: wrote requirements-lock.txt ($$(wc -l < requirements-lock.txt) pins)"

clean-env:
	rm -rf $(VENV)

# Debian packages the grading sandbox (bubblewrap), the PostgreSQL gradebook test, the grading queue's broker
# (redis-server) and the browser tests need.
SYSTEM_TOOLS := bwrap:bubblewrap prlimit:util-linux setpriv:util-linux chromium:chromium redis-server:redis-server \
                npm:npm
system-packages:
	@missing=""; for pair in $(SYSTEM_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	 ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	     echo "make: installing Debian packages:$$missing"; \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
	     { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	   else echo "make: please install these Debian packages:$$missing (sudo apt-get install$$missing)" >&2; exit 1; fi; \
	 fi

# Students ---------------------------------------------------------------------------------------------------------
lab: env
	@$(BIN)/python grader/lab.py $(if $(PORT),--port $(PORT),)

# Tests and benchmarks ------------------------------------------------------------------------------------------
# Everything in one session, so the browser tests (mostly waiting for pages) overlap with the rest; the longest
# modules go first (tests/conftest.py), so that short ones fill the end.
XDIST      = -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder
test: env system-packages hub-proxy
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS) tests

# Four pytest workers on any number of cores: much of the suite waits (kernels starting, cell time limits, servers),
# and a test module stays on one worker (--dist loadfile), so each module's fixtures are built once.
TEST_JOBS ?= 4
test-unit: env system-packages hub-proxy
	$(BIN)/python -m pytest --ignore=tests/browser $(XDIST) $(PYTEST_ARGS) tests

# JupyterLab and the formgrader in headless Chromium (Debian's), driven by Playwright; screenshots and server logs
# land in artifacts/browser/.
test-browser: env system-packages hub-proxy
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS) tests/browser

bench: env hub-proxy
	$(BIN)/python tests/benchmarks/bench_reference.py $(BENCH_ARGS)
	@echo; echo "Source notebooks, top to bottom in a fresh kernel (goal: < 20 s each on 2 cores):"
	-$(BIN)/python grader/course.py timings
	@echo
	$(BIN)/python tests/benchmarks/bench_grading.py $(GRADING_BENCH_ARGS)
	@echo
	$(BIN)/python tests/benchmarks/bench_queue.py
	@echo
	$(BIN)/python tests/benchmarks/bench_hub.py

# Instructors (paths from grader/nbgrader_config.py; each prints what it did and where the results are) ----------
release: env
	$(BIN)/python grader/instructor.py release

collect: env
	$(BIN)/python grader/instructor.py collect $(if $(ZIP),--zip $(ZIP),)

autograde: env system-packages
	$(BIN)/python grader/autograde.py $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT),) \
	  $(if $(STUDENT),--student $(STUDENT),) $(if $(JOBS),--jobs $(JOBS),)

feedback: env
	$(BIN)/python grader/instructor.py feedback $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT),) \
	  $(if $(JOBS),--jobs $(JOBS),)

grades: env
	$(BIN)/python grader/instructor.py grades

similarity: env
	$(BIN)/python grader/similarity.py $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT),)

# Grading across machines (grader/grading_queue.py): Redis as the broker on one machine, `make worker` on every
# grading machine, then `FFNN_BROKER_URL=redis://<broker host>:6379/0 make autograde` sends the jobs to the queue.
broker: env system-packages
	$(BIN)/python grader/grading_queue.py broker $(if $(PORT),--port $(PORT),)

worker: env system-packages
	$(BIN)/python grader/grading_queue.py worker $(if $(JOBS),--jobs $(JOBS),)

# The class's JupyterHub (grader/hub/), as root: accounts for the instructor and the roster's students (or
# STUDENTS="a b"), nbgrader's exchange, grading on submit. Its proxy comes from npm, pinned in package-lock.json.
HUB_PROXY := grader/hub/node_modules/.bin/configurable-http-proxy
hub-proxy: $(HUB_PROXY)
$(HUB_PROXY): grader/hub/package.json grader/hub/package-lock.json
	npm ci --prefix grader/hub --no-audit --no-fund --loglevel=error
	@touch $(HUB_PROXY)

hub: env system-packages hub-proxy
	$(BIN)/python grader/hub/hub.py --roster $(if $(PORT),--port $(PORT),) \
	  $(if $(INSTRUCTOR),--instructor $(INSTRUCTOR),) $(foreach s,$(STUDENTS),--student $(s))

hub-release: env
	$(BIN)/python grader/hub/exchange_release.py $(ASSIGNMENT)

roster: env
	@[ -n "$(CSV)" ] || { echo "make roster: give the class list, e.g. make roster CSV=students.csv" >&2; exit 2; }
	$(BIN)/python grader/instructor.py roster $(CSV)
