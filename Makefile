# vidscope: `make run` opens the bundled clip, `make test` runs every check. Both set up what is missing.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CLIP ?= assets/clip.mp4

.PHONY: setup build run screenshots test lint bench clean

setup:
	@bash scripts/setup.sh

build: setup
	cargo build --release

# `make run` analyzes the bundled clip (R = 4 covers its (2, 1) motion and keeps this quick on a CPU
# Vulkan device) into the default outputs (the .npy arrays, frames.csv, manifest.json: what
# scripts/summarize.py reads; --export symbols,block-csv would add symbols.bin and stats.csv),
# prints a summary, then opens the viewer on it.
# Without a display (no DISPLAY / WAYLAND_DISPLAY) the viewer runs under a private Xvfb, takes a
# screenshot of each mode into target/run-screenshots/ and exits.
run: build
	./target/release/vidscope analyze $(CLIP) --out target/run-analysis --dump raw,diff --range 4
	@python3 scripts/summarize.py target/run-analysis
	@bash scripts/view.sh $(CLIP)

# Regenerates the README's viewer screenshots (docs/viewer-*.png) from the bundled clip.
screenshots: build
	OUT=docs bash scripts/view.sh $(CLIP) --screenshots

lint: setup
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --no-default-features --all-targets -- -D warnings

# Every test runs with the Khronos validation layer on (the CLI's default is off); any message fails it.
test: export VIDSCOPE_VALIDATION = on
test: lint
	cargo test --workspace --all-targets --no-fail-fast -- --test-threads=2

bench: build
	./target/release/vidscope bench $(CLIP)
	bash scripts/bench-vs-ffmpeg.sh $(CLIP)

clean:
	cargo clean
