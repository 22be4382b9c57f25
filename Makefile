# The two commands a user needs: `make demo` and `make test`.
# Both set up .venv idempotently (re-installing only when pyproject.toml changes),
# build the Rust extension in release mode, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.pluralign-deps
# Extras installed into the dev venv (read from pyproject.toml).
EXTRAS ?= dev,torch,ray

.PHONY: demo test build setup bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet "maturin>=1.9.4,<2" $$($(VPY) scripts/deps.py $(EXTRAS))
	@touch $(STAMP)

build: setup
	$(VENV)/bin/maturin develop --release --quiet

demo: build
	$(VPY) -m pluralign demo

test: build
	cargo test --workspace --release
	$(VPY) -m pytest -q tests

bench: build
	$(VPY) -m pytest benches --benchmark-only --benchmark-columns=min,median,mean,rounds -q

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check python tests benches

clean:
	rm -rf $(VENV) target python/pluralign/*.so
