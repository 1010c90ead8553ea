# Entry points. `make demo` and `make test` are the README's quick start; both install what a
# fresh Debian/Ubuntu machine lacks (as root, or through sudo).

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SAMPLE := assets/sample/vase.glb
FUZZ_SECONDS ?= 600

.PHONY: demo test test-deps system-deps lint bench bench-peers bench-worker fuzz clean

## Process the bundled sample into out/vase/ (renders on a GPU when there is one, else on
## Mesa lavapipe).
demo: system-deps
	$(CARGO) build --release
	./target/release/render-worker process $(SAMPLE) --out out --allow-software

## The whole test suite: formatting, lints, unit and integration tests (with the Khronos
## validator), on a fresh machine.
test: test-deps lint
	$(CARGO) test --all-targets

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## Rust is assumed (rustup). The Vulkan loader and Mesa's lavapipe render where there is no
## GPU; Node.js runs the Khronos validator and gltfpack; Python runs moto (local S3 and SQS).
system-deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@missing=""; \
	ldconfig -p | grep -q 'libvulkan.so.1 ' || missing="$$missing libvulkan1"; \
	ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || missing="$$missing mesa-vulkan-drivers"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

MOTO_VENV := tools/moto/venv

test-deps: system-deps
	npm ci --prefix tools/validator --no-audit --no-fund
	@if ! cmp -s tools/moto/requirements.txt $(MOTO_VENV)/installed.txt; then \
		rm -rf $(MOTO_VENV) && python3 -m venv $(MOTO_VENV) && \
		$(MOTO_VENV)/bin/pip install --quiet -r tools/moto/requirements.txt && \
		cp tools/moto/requirements.txt $(MOTO_VENV)/installed.txt; \
	fi

## Criterion benchmarks (uses ../shared/corpus when present, generated meshes otherwise).
bench:
	$(CARGO) bench --bench process

## Side-by-side timing and peak memory against gltfpack on the 1.1M-triangle bunny.
bench-peers: test-deps
	$(CARGO) build --release
	python3 bench/compare.py

## Worker throughput and overhead against `process` on the same 500 small models (moto S3/SQS).
bench-worker: test-deps
	$(MOTO_VENV)/bin/python bench/worker_load.py --jobs 500

## Fuzz the reader for FUZZ_SECONDS (needs cargo-fuzz; nightly features via RUSTC_BOOTSTRAP).
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	$(CARGO) run -q --example make_assets -- --fuzz-seeds fuzz/corpus/read
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run read -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10

clean:
	$(CARGO) clean
	rm -rf out tools/validator/node_modules $(MOTO_VENV)
