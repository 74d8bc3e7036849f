# The two commands a new user types: `make run` and `make test`. Both set up first and are safe to repeat.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCALE  := $(VENV)/.distributed
DATA   ?= data
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test setup browser clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	# a current pip: the 23.x resolver trips over lxml extras that trafilatura requests
	$(PY) -m pip install --quiet --upgrade "pip>=25"
	# torch first, pinned: a torch chosen by pip would pull gigabytes of CUDA packages.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Milvus Lite and Ray for the contract tests of the other backend (docs/scaling.md); `make run` needs neither.
$(SCALE): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,distributed]'
	touch $(SCALE)

# Debian's Chromium for the browser tests; where it cannot be installed they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"; }

run: setup
	$(VENV)/bin/newsarchive --data-dir $(DATA) run --host $(HOST) --port $(PORT)

test: setup $(SCALE) browser
	$(PY) -m pytest -q -p no:cacheprovider

clean-venv:
	rm -rf $(VENV)
