#!/usr/bin/env bash
# Assemble .devcheck/ at the repo root: everything packages/gpu/scripts/device-check.sh
# needs on a bare GPU machine with no network (Node, the built @nn/core, @nn/gpu and @nn/cpu,
# gpu.js, Dawn for linux-x64, headless-gl, the Vulkan loader .deb). Run it here after
# `npm run build`; then carry `.devcheck` (kept out of git by .git/info/exclude).
set -euo pipefail
cd "$(dirname "$0")/../../.."
B=.devcheck
grep -qx '/.devcheck/' .git/info/exclude 2>/dev/null || echo '/.devcheck/' >> .git/info/exclude
rm -rf "$B" && mkdir -p "$B/node_modules/@nn" "$B/debs"
say() { echo "[device-check-prepare] $*"; }

for p in core gpu cpu; do
  [ -f "packages/$p/dist/index.js" ] || { say "packages/$p/dist is missing: run npm run build first"; exit 1; }
  mkdir -p "$B/node_modules/@nn/$p" && cp -r "packages/$p/package.json" "packages/$p/dist" "$B/node_modules/@nn/$p/"
  find "$B/node_modules/@nn/$p/dist" -name '*.map' -delete
done
# gpu.js: only its CommonJS sources (its own webgpu 0.2.9 and browser bundles stay here)
mkdir -p "$B/node_modules/gpu.js" && cp -r node_modules/gpu.js/package.json node_modules/gpu.js/src "$B/node_modules/gpu.js/"
# runtime dependencies of gpu.js and of headless-gl (gl), resolved from package.json files
node -e '
const fs = require("fs"), path = require("path");
const seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return; seen.add(name);
  const pj = JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8"));
  for (const d of Object.keys(pj.dependencies || {})) if (!["webgpu", "node-gyp", "prebuild-install", "node-abi", "nan"].includes(d)) visit(d);
};
["acorn", "gpu-mock.js", "bindings", "bit-twiddle", "glsl-tokenizer"].forEach(visit);
console.log([...seen].join("\n"));
' > "$B/deps.txt"
while read -r d; do mkdir -p "$B/node_modules/$(dirname "$d")"; cp -r "node_modules/$d" "$B/node_modules/$d"; done < "$B/deps.txt"
# headless-gl: the compiled addon and its JavaScript
mkdir -p "$B/node_modules/gl/build/Release" && cp -r node_modules/gl/package.json node_modules/gl/index.js node_modules/gl/src "$B/node_modules/gl/"
cp node_modules/gl/build/Release/webgl.node "$B/node_modules/gl/build/Release/"
# Dawn for Node, linux-x64 only
mkdir -p "$B/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$B/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$B/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# the measurement programs (device-check.mjs, its workloads and the summary)
cp packages/gpu/scripts/device-check*.mjs "$B/"
# Node itself, compressed (the GPU machine may have none)
say "compressing $(command -v node) ($(node --version))"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$B/node.xz"
# Vulkan and GL loaders for Dawn, in case the machine has none (Debian 12's; unpacked there with dpkg -x)
# libglvnd & co.: the NVIDIA Vulkan ICD lives in libGLX_nvidia.so.0, which needs them (seen on an H100:
# without them vkCreateInstance finds no driver).
( cd "$B/debs" && apt-get download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 >/dev/null 2>&1 && say "fetched $(ls)" ) || say "could not apt-get download the Vulkan/GL loaders: the machine must have its own"
du -sh "$B"
say "bundle: $(du -sb "$B" | cut -f1) bytes (the device run carries at most 64 MiB with the repository)"
say "ready: carry .devcheck and run: bash packages/gpu/scripts/device-check.sh"
