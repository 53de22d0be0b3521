#!/usr/bin/env bash
# One-shot set-up of a fresh machine: system packages (as root, Debian), then npm.
# System packages: chromium (GPU tests on SwiftShader), xvfb + Mesa (headless-gl),
# the toolchain headless-gl builds from source with, graphviz (checks our DOT output),
# python3-numpy (checks .npy interop with NumPy itself).
# libvulkan1: the Vulkan loader for Dawn (npm `webgpu`, the gpu-dawn suite), run on Chromium's SwiftShader ICD.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="chromium xvfb xauth libgl1-mesa-dri build-essential python3 pkg-config libx11-dev libxi-dev libxext-dev graphviz python3-numpy libvulkan1"

if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "setup: installing Debian packages:$missing"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
  fi
else
  echo "setup: no apt-get here; install the equivalents of: $APT_PACKAGES" >&2
fi

# headless-gl (gpu.js's optional dependency) compiles against Node's headers.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
if [ -f package-lock.json ]; then npm ci; else npm install; fi
