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

if ! command -v cargo >/dev/null; then
  # No rustup toolchain: Debian's own Rust >= 1.85 with cargo, clippy and rustfmt (Debian 12: the
  # "-web" packages, 1.96 at the time of writing; Debian 13: rustc 1.85).
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if . /etc/os-release && [ "${VERSION_ID:-}" = 12 ]; then rust=(rustc-web cargo-web rust-web-clippy rustfmt-web);
  else rust=(rustc cargo rust-clippy rustfmt); fi
  echo "setup: no cargo on PATH; installing ${rust[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${rust[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "setup: no Rust toolchain (cargo) found; install Rust >= 1.85 with rustup (https://rustup.rs), then rerun" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component" >/dev/null 2>&1 || { echo "setup: cargo $component is missing; rustup component add $component" >&2; exit 1; }
  fi
done
