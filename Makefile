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

.PHONY: demo test build build-demo extension setup bench lint clean

TOOLS := $(VENV)/.pluralign-tools
MATURIN := $(VENV)/bin/maturin

setup: $(TEST_STAMP)

# The venv and its installers: uv (parallel downloads; several times faster than pip on a fresh
# machine, where torch alone is gigabytes) and maturin.
$(TOOLS):
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet "uv>=0.5" "maturin>=1.9.4,<2"
	@touch $@

# Dependencies of one extras set; falls back to pip if uv cannot install them.
$(VENV)/.pluralign-deps-%: pyproject.toml | $(TOOLS)
	deps="$$($(VPY) scripts/deps.py $(subst -,$(comma),$*))"; \
	$(VENV)/bin/uv pip install --quiet --python $(VPY) $$deps \
		|| $(VPY) -m pip install --quiet $$deps
	@touch $@

# The release build of the extension into python/pluralign (no install step).
extension: | $(TOOLS)
	$(MATURIN) develop --release --skip-install --quiet

# Downloads (network) and the Rust build (CPU) run side by side; the final `maturin develop`
# finds cargo up to date and only installs the package (editable).
build: | $(TOOLS)
	@$(MAKE) --no-print-directory -j2 $(TEST_STAMP) extension
	$(MATURIN) develop --release --quiet --uv

build-demo: | $(TOOLS)
	@$(MAKE) --no-print-directory -j2 $(DEMO_STAMP) extension
	$(MATURIN) develop --release --quiet --uv

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
