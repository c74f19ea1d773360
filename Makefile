# Everything a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: demo test install browser java clean bench

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c requirements.lock -e '.[embeddings,test,national,dev]'
	touch $(STAMP)

install: $(STAMP)

browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Apache Spark (the national engine, tests marked `spark`) runs on a Java runtime: Debian's headless OpenJDK.
java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

demo: install
	$(BIN)/peelian demo demo.peelian --force --serve

test: install browser java
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/cli.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/collect.py
	$(BIN)/python benchmarks/metrics.py
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/web.py
	$(BIN)/python benchmarks/triage.py
	$(BIN)/python benchmarks/checks.py
	$(BIN)/python benchmarks/assess.py
	$(BIN)/python benchmarks/networks.py
	$(BIN)/python benchmarks/national.py

clean:
	rm -rf $(VENV) demo.peelian demo.peelian.d
