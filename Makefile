# Entry points. `make demo` and `make test` are the README's quick start; both install what a
# fresh Debian/Ubuntu machine lacks (as root, or through sudo).

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SAMPLE := assets/sample/vase.glb
FUZZ_SECONDS ?= 600
# Mesa's Wayland probe prints "error: XDG_RUNTIME_DIR is invalid or not set in the environment."
# in every process that enumerates GPUs without one. The binary makes a private one itself; the
# tests and benchmarks render in process, so they get this one (any absolute path silences it).
XDG_RUNTIME_DIR ?= $(CURDIR)/target/xdg-runtime
export XDG_RUNTIME_DIR

.PHONY: demo test test-fast runtime-dir test-deps system-deps lint bench bench-peers bench-sizes bench-ktx2 bench-worker release-tarball fuzz clean

## Process the bundled sample into out/vase/ (renders on a GPU when there is one, else on
## Mesa lavapipe).
demo: system-deps
	$(CARGO) build --release
	./target/release/render-worker process $(SAMPLE) --out out --allow-software

## The whole test suite: formatting, lints, unit and integration tests (with the Khronos
## validator), on a fresh machine.
test: test-deps lint runtime-dir
	$(CARGO) test --all-targets

## The fast tier: formatting, lints, and every test that needs none of what `test-deps`
## installs and no corpus (those live in modules named `external`, skipped by name). The
## benchmarks' smoke runs are left out too: they take the corpus or a generated 1M-triangle mesh.
test-fast: system-deps lint runtime-dir
	$(CARGO) test --lib --bins --tests --examples -- --skip external::

# The private folder XDG_RUNTIME_DIR names (see the top of this file).
runtime-dir:
	@mkdir -p -m 0700 "$$XDG_RUNTIME_DIR"

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps

## Rust is assumed (rustup). The Vulkan loader and Mesa's lavapipe render where there is no
## GPU; g++ builds the vendored C++ (Basis Universal, meshoptimizer); Node.js runs the Khronos
## validator and gltfpack; Python runs moto (local S3 and SQS).
system-deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@if command -v rustup >/dev/null; then rustup component add rustfmt clippy >/dev/null; fi
	@missing=""; \
	ldconfig -p | grep -q 'libvulkan.so.1 ' || missing="$$missing libvulkan1"; \
	ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || missing="$$missing mesa-vulkan-drivers"; \
	command -v c++ >/dev/null || missing="$$missing g++"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

MOTO_VENV := tools/moto/venv

# tools/<name>/venv from tools/<name>/requirements.txt, rebuilt when the pins change.
define python_tool
	@if ! cmp -s tools/$(1)/requirements.txt tools/$(1)/venv/installed.txt; then \
		rm -rf tools/$(1)/venv && python3 -m venv tools/$(1)/venv && \
		tools/$(1)/venv/bin/pip install --quiet -r tools/$(1)/requirements.txt && \
		cp tools/$(1)/requirements.txt tools/$(1)/venv/installed.txt; \
	fi
endef

## The Khronos validator, gltfpack, three.js and playwright-core (npm), headless Chromium (the
## browser-client test; Debian's package, or CHROMIUM=/path/to/chrome), moto (local S3/SQS) and
## cfn-lint + checkov (deploy/ checks).
test-deps: system-deps
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium >/dev/null; then \
		echo "installing: chromium"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; \
	fi
	npm ci --prefix tools/validator --no-audit --no-fund
	$(call python_tool,moto)
	$(call python_tool,iac)

## Criterion benchmarks (uses ../shared/corpus when present, generated meshes otherwise).
bench: runtime-dir
	$(CARGO) bench --bench process

## Side-by-side timing and peak memory against gltfpack on the 1.1M-triangle bunny
## (OLD=/path/to/render-worker also times an earlier build of ours in the same rounds).
bench-peers: test-deps
	$(CARGO) build --release
	python3 bench/compare.py

## Delivery size and surface error against gltfpack -cc on every corpus model.
bench-sizes: test-deps
	$(CARGO) build --release --bin render-worker --example surface_error
	python3 bench/sizes.py 0.5 3

## KTX2 encoding throughput against the reference basisu encoder on DamagedHelmet's textures.
bench-ktx2: test-deps
	$(CARGO) build --release --bin render-worker
	python3 bench/ktx2.py ../shared/corpus/DamagedHelmet.glb 3

## Worker throughput and overhead against `process` on the same 500 small models (moto S3/SQS).
bench-worker: test-deps
	$(MOTO_VENV)/bin/python bench/worker_load.py --jobs 500

## The tarball the launch template installs: binary, systemd units, drain script, deploy docs.
release-tarball:
	$(CARGO) build --release --locked --bin render-worker
	rm -rf target/release-tarball && mkdir -p target/release-tarball
	cp target/release/render-worker deploy/systemd/*.service deploy/scripts/lifecycle-drain.sh \
		deploy/README.md target/release-tarball/
	tar -czf target/render-worker-x86_64-linux.tar.gz -C target/release-tarball .
	@echo "target/render-worker-x86_64-linux.tar.gz: upload it to s3://<ArtifactBucket>/<ArtifactKey>"

## Fuzz the reader for FUZZ_SECONDS (needs cargo-fuzz; nightly features via RUSTC_BOOTSTRAP).
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	$(CARGO) run -q --example make_assets -- --fuzz-seeds fuzz/corpus/read
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run read -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10

clean:
	$(CARGO) clean
	rm -rf out tools/validator/node_modules tools/*/venv
