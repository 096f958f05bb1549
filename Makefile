# vidscope: `make run` opens the bundled clip, `make test` runs every check. Both set up what is missing.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CLIP ?= assets/clip.mp4

.PHONY: setup build run test lint bench clean

setup:
	@bash scripts/setup.sh

build: setup
	cargo build --release

# Until the viewer lands, `make run` analyzes the bundled clip and prints a summary.
run: build
	./target/release/vidscope analyze $(CLIP) --out target/run-analysis --dump raw,diff
	@python3 scripts/summarize.py target/run-analysis

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --no-default-features --all-targets -- -D warnings

test: lint
	cargo test --all-targets -- --test-threads=2

bench: build
	./target/release/vidscope bench $(CLIP)
	bash scripts/bench-vs-ffmpeg.sh $(CLIP)

clean:
	cargo clean
