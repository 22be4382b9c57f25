# The two commands a user needs: `make demo` and `make test`.
# Both set up .venv idempotently (installing again only when pyproject.toml changes),
# build the Rust extension in release mode, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
# Extras each command needs (read from pyproject.toml): the demo only needs torch; tests and
# benches also need the peers, test tools and Ray. One stamp per extras set, so `make demo`
# then `make test` installs only what is missing.
DEMO_EXTRAS ?= torch
EXTRAS ?= dev,torch,ray
comma := ,
TEST_STAMP := $(VENV)/.pluralign-deps-$(subst $(comma),-,$(EXTRAS))
DEMO_STAMP := $(VENV)/.pluralign-deps-$(subst $(comma),-,$(DEMO_EXTRAS))

.PHONY: demo test build build-demo setup bench lint clean

setup: $(TEST_STAMP)

$(VENV)/.pluralign-deps-%: pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet "maturin>=1.9.4,<2" $$($(VPY) scripts/deps.py $(subst -,$(comma),$*))
	@touch $@

build: setup
	$(VENV)/bin/maturin develop --release --quiet

build-demo: $(DEMO_STAMP)
	$(VENV)/bin/maturin develop --release --quiet

demo: build-demo
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
