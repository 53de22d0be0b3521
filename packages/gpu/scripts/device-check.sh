#!/usr/bin/env bash
# One short run (under 6 minutes) on a borrowed GPU machine: what is there, then
# nn's matmul GFLOP/s (1024³, 2048³, 4096³) and the bench's loops W1/W2/W3 (launches
# and compiles per step, µs per launch, peak bytes) on every real-GPU path found
# (Dawn/WebGPU on the machine's Vulkan driver; headless-gl where a display or Xvfb
# exists), with the gpu.js kernel class that ran (asserted) and the NaN checks; the
# same on nn's cpu device (every core) and PyTorch (CUDA, then CPU) beside them.
# Results go to $OUT: device-check-{webgpu,headlessgl,cpu,torch}.json, device-check.log
# and device-check-summary.md (Markdown tables, also printed at the end).
#
# Prepare here first: npm run build && bash packages/gpu/scripts/device-check-prepare.sh
# then run from the repo root there, carrying .devcheck:
#   bash packages/gpu/scripts/device-check.sh
# Knobs (env): SIZES (matmul n, default 1024,2048,4096), STEPS (W1/W2, 500), W3STEPS (50),
# CPU_STEPS / CPU_W3STEPS / CPU_THREADS (nn cpu: as STEPS / W3STEPS, nproc),
# TORCH_CPU_STEPS / TORCH_CPU_W3STEPS (PyTorch on the CPU: as STEPS / 10),
# MODES (what runs: webgpu,headlessgl,torch,cpu), LOOPS (W1,W2,W3), BUDGET_MS (per matmul size, 1000), DEADLINE (seconds for the whole run, 330),
# TWIN (createGpuBackend's options for a second W1 row: '{"fuse":"chains"}', the older fusion; '{}' for none).
# A quick local run: SIZES=256 STEPS=20 W3STEPS=2 TORCH_CPU_W3STEPS=2 bash packages/gpu/scripts/device-check.sh
# Every step prints what it found; a missing piece is reported and the next step runs.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT="${OUT:-/tmp/device-check-out}"
mkdir -p "$OUT"
B="$PWD/.devcheck"
LOG="$OUT/device-check.log"
SIZES="${SIZES:-1024,2048,4096}"
STEPS="${STEPS:-500}"
W3STEPS="${W3STEPS:-50}"
CPU_STEPS="${CPU_STEPS:-$STEPS}"
CPU_W3STEPS="${CPU_W3STEPS:-$W3STEPS}"
CPU_THREADS="${CPU_THREADS:-$(nproc)}"
LOOPS="${LOOPS:-W1,W2,W3}"
BUDGET_MS="${BUDGET_MS:-1000}"
DEADLINE="${DEADLINE:-330}"
TWIN_DEFAULT='{"fuse":"chains"}'
TWIN="${TWIN:-$TWIN_DEFAULT}"
DATA="${DEVCHECK_DATA:-/tmp/device-check-data}"
MODES="${MODES:-webgpu,headlessgl,torch,cpu}"
want() { [[ ",$MODES," == *",$1,"* ]]; }
export OUT SIZES STEPS W3STEPS LOOPS
export TORCH_CPU_STEPS="${TORCH_CPU_STEPS:-$STEPS}" TORCH_CPU_W3STEPS="${TORCH_CPU_W3STEPS:-10}" DEVCHECK_DATA="$DATA"
say() { echo "[device-check] $*" | tee -a "$LOG"; }
unxz() { # unxz FILE.xz OUT: xz, or Python's lzma where xz is missing
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
run() { # run NAME TIMEOUT CMD...: time-boxed (and within DEADLINE), output into the log, never aborts the script
  local name=$1 limit=$2; shift 2
  local left=$((DEADLINE - SECONDS - 15))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 5 ]; then say "--- $name: skipped, the run's ${DEADLINE}s are spent"; return 0; fi
  say "--- $name (limit ${limit}s): $*"
  local t0=$SECONDS
  timeout -k 5 "$limit" "$@" 2>&1 | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  say "--- $name: exit $rc after $((SECONDS - t0))s"
  return 0
}

: > "$LOG"
rm -rf "$DATA" # the seeded inputs are written afresh by this run's first nn run
say "start $(date -u +%FT%TZ) in $PWD, OUT=$OUT"
say "machine: $(uname -srm); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); $(nproc) cores"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/[device-check] gpu: /' | tee -a "$LOG"
else
  say "gpu: no nvidia-smi"
fi
[ -d "$B" ] || say "no .devcheck bundle here: run packages/gpu/scripts/device-check-prepare.sh where npm works and carry .devcheck"

# ---- Node
NODE=""
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]; then
  NODE="$(command -v node)"; say "node: system $($NODE --version)"
elif [ -f "$B/node.xz" ]; then
  unxz "$B/node.xz" /tmp/node-devcheck && chmod +x /tmp/node-devcheck && NODE=/tmp/node-devcheck
  say "node: system has $(command -v node >/dev/null && node --version || echo none); using the carried $($NODE --version 2>&1)"
else
  say "node: none here and no carried .devcheck/node.xz"
fi

D="$B/node_modules/webgpu/dist/linux-x64"
if [ -f "$D/dawn.node.xz" ] && [ ! -f "$D/dawn.node" ]; then
  # removed again at the end, so that a local try leaves .devcheck as small as it travels
  unxz "$D/dawn.node.xz" "$D/dawn.node" && say "dawn: unpacked the carried dawn.node ($(du -h "$D/dawn.node" | cut -f1))" && trap 'rm -f "$D/dawn.node"' EXIT
fi

# ---- Vulkan (Dawn's path to the GPU)
if ls "$B"/debs/*.deb >/dev/null 2>&1 && ! ldconfig -p | grep -q 'libGLdispatch.so.0'; then
  for f in "$B"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
  say "gl/vulkan loaders: unpacked the carried $(ls "$B"/debs | tr '\n' ' ')"
fi
if ldconfig -p | grep -q 'libvulkan.so.1'; then
  say "vulkan loader: $(ldconfig -p | grep 'libvulkan.so.1' | head -1 | sed 's/.*=> //')"
elif ls "$B"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  for f in "$B"/debs/libvulkan1_*.deb; do dpkg -x "$f" /; done; ldconfig
  say "vulkan loader: unpacked the carried $(basename "$B"/debs/libvulkan1_*.deb): $(ldconfig -p | grep -c 'libvulkan.so.1') found"
else
  say "vulkan loader: none, and no carried .deb"
fi
ICD=""
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
  [ -f "$f" ] && { ICD=$f; break; }
done
if [ -n "$ICD" ]; then
  say "vulkan ICD: $ICD ($(grep -o '"library_path"[^,]*' "$ICD"))"
  export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD"
else
  say "vulkan ICD: no NVIDIA ICD json found; ls of the usual places:"; ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1 | tee -a "$LOG"
fi
for f in /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json; do
  [ -f "$f" ] && { export __EGL_VENDOR_LIBRARY_FILENAMES="$f"; say "EGL vendor: $f"; break; }
done
say "chromium: $(command -v chromium chromium-browser google-chrome 2>/dev/null | head -1 || true)$(command -v chromium chromium-browser google-chrome >/dev/null 2>&1 || echo 'none (the browser WebGL2/WebGPU paths cannot be measured here)')"
say "display: DISPLAY=${DISPLAY:-unset}; xvfb-run: $(command -v xvfb-run || echo none)"
if command -v glxinfo >/dev/null && [ -n "${DISPLAY:-}" ]; then say "glx: $(glxinfo -B 2>&1 | grep -i 'renderer string' | head -1)"; fi

# ---- nn: @nn/gpu on WebGPU (Dawn over Vulkan), then on headless-gl where there is a display.
# Every nn run writes the loops' seeded inputs to $DATA, for PyTorch to start from the same numbers.
HAVE_NN=""
[ -n "$NODE" ] && [ -d "$B/node_modules" ] && HAVE_NN=1
MJS=(device-check.mjs --out "$OUT" --sizes "$SIZES" --loops "$LOOPS" --budget "$BUDGET_MS" --dump "$DATA")
if [ -n "$HAVE_NN" ]; then
  want webgpu && ( cd "$B" && run "webgpu (Dawn)" 120 "$NODE" "${MJS[@]}" --steps "$STEPS" --w3steps "$W3STEPS" --twin "$TWIN" --mode webgpu )
  if ! want headlessgl; then
    say "headlessgl: not asked for (MODES=$MODES)"
  elif [ -n "${DISPLAY:-}" ]; then
    ( cd "$B" && run "headlessgl (DISPLAY)" 60 "$NODE" "${MJS[@]}" --steps "$STEPS" --w3steps "$W3STEPS" --twin "$TWIN" --mode headlessgl )
  elif command -v xvfb-run >/dev/null; then
    ( cd "$B" && run "headlessgl (xvfb-run)" 60 xvfb-run -a "$NODE" "${MJS[@]}" --steps "$STEPS" --w3steps "$W3STEPS" --twin "$TWIN" --mode headlessgl )
  else
    say "headlessgl: not measured (no DISPLAY and no xvfb-run on this machine)"
  fi
else
  say "nn: not measured (no Node or no .devcheck bundle)"
fi

# ---- PyTorch float32 on the same GPU (then its CPU), for scale: the python3 that has torch
PY=""
for p in python3 /usr/bin/python3 /usr/local/bin/python3 python; do
  command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null && { PY=$(command -v "$p"); break; }
done
if ! want torch; then
  say "torch: not asked for (MODES=$MODES)"
elif [ -n "$PY" ]; then
  run "torch float32 ($PY)" 100 "$PY" packages/gpu/scripts/device-check-torch.py "$SIZES"
else
  say "torch: no python3 with torch here"
fi

# ---- nn cpu on every core, for scale on the same machine (last: the GPU rows matter most)
if [ -n "$HAVE_NN" ] && want cpu; then
  ( cd "$B" && run "nn cpu ($CPU_THREADS threads)" 90 "$NODE" "${MJS[@]}" --steps "$CPU_STEPS" --w3steps "$CPU_W3STEPS" --threads "$CPU_THREADS" --mode cpu )
fi
say "summary ($OUT/device-check-summary.md):"
if [ -n "$NODE" ] && [ -f "$B/device-check-summary.mjs" ]; then
  "$NODE" "$B/device-check-summary.mjs" "$OUT" 2>&1 | tee -a "$LOG"
else
  for f in "$OUT"/device-check-*.json; do
    [ -f "$f" ] && say "$(basename "$f"): $(tr -d '\n ' < "$f" | grep -o '"kernelClass":"[^"]*"\|"gflops":[0-9.]*\|"msPerStep[A-Za-z]*":[0-9.]*\|"ok":[a-z]*' | tr '\n' ' ')"
  done
fi
say "end $(date -u +%FT%TZ) after ${SECONDS}s"
