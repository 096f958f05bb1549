#!/usr/bin/env bash
# Installs what vidscope needs on Debian 12 or 13 when it is missing, quietly; does nothing when all is
# there. The package names are the same in both (13 ships FFmpeg 7.1, 12 FFmpeg 5.1).
# Used by `make run` and `make test` (and so by CI).
set -euo pipefail

packages=(
  # make itself, for a system that ran this script directly (a fresh Debian 13 root has no make)
  make
  # FFmpeg libraries for ffmpeg-next, and bindgen's needs
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavfilter-dev libavdevice-dev
  libswresample-dev pkg-config clang libclang-dev
  # a C compiler: rustc's linker, and tests/suite/codec_mvs.rs builds its FFmpeg reader with cc
  gcc
  # Vulkan: loader, the CPU driver lavapipe, validation layer, shader compiler
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers glslc
  # window tests (X11 under Xvfb, Wayland under a headless Weston) and the reference CLI the tests
  # compare with
  xvfb xauth xdotool weston ffmpeg bc python3 python3-numpy
  # libraries winit loads at run time for the viewer window: X11, and Wayland (used when
  # WAYLAND_DISPLAY is set)
  libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon-x11-0
  libwayland-client0 libwayland-cursor0 libxkbcommon0
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The python3 first on PATH may not be Debian's (pyenv): give it NumPy too.
if ! python3 -c 'import numpy' 2>/dev/null; then
  echo "setup: installing numpy for $(command -v python3)"
  python3 -m pip install -q numpy 2>/dev/null || python3 -m pip install -q --break-system-packages numpy
fi

# The oldest Rust that builds the locked dependencies (egui 0.36 needs 1.95): the workspace's
# rust-version, one place.
need=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
rust_new_enough() {
  command -v cargo >/dev/null || return 1
  local have
  have=$(rustc --version 2>/dev/null | awk '{print $2}')
  [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" = "$need" ]
}
if ! rust_new_enough; then
  # No rustup toolchain (or an old one): Debian's "-web" Rust with cargo, clippy and rustfmt, 1.96
  # in both Debian 12 and 13 at the time of writing (Debian 13's plain rustc is 1.85: too old).
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  rust=(rustc-web cargo-web rust-web-clippy rustfmt-web)
  echo "setup: no Rust >= $need on PATH; installing ${rust[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${rust[@]}" >/dev/null
fi
if ! rust_new_enough; then
  echo "setup: vidscope needs Rust >= $need (found: $(rustc --version 2>/dev/null || echo none)); install or update it with rustup (https://rustup.rs), then rerun" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component" >/dev/null 2>&1 || { echo "setup: cargo $component is missing; rustup component add $component" >&2; exit 1; }
  fi
done
