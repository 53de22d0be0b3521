import { DeviceError, checkOptions, isBoolean, isName, oneOf } from '@nn/core';
import { GpuBackend, type GpuFuse, type GpuMatmul } from './backend.js';
import { closestSquare } from './limits.js';
import { gpuRuntimes, isNode, loadGpuJs, runtimeOfClass, unavailableReason, type GpuJs, type GpuJsClass, type GpuMode, type GpuRuntime } from './runtime.js';
import { helperSources, intHelper } from './sources.js';

/** Options of createGpuBackend. */
export interface GpuBackendOptions {
  /**
   * Which gpu.js runtime to run: `auto` (default) takes the best synchronous GPU
   * path — headless-gl in Node, WebGL2 then WebGL in a browser; WebGPU only when
   * asked for (its readback is asynchronous: `await t.data()`, no dataSync).
   */
  mode?: GpuMode;
  /** Without a GPU context, run gpu.js's WebAssembly (or plain JS) kernels instead of failing; reported in info. */
  allowFallback?: boolean;
  /** Device name to register under (default `gpu`). */
  device?: string;
  /** What to defer into the kernel that reads it: `trees` (default: elementwise ops, wheres, products) or `chains` (only unary and scalar ops, the older fusion, for comparison). */
  fuse?: GpuFuse;
  /** Which kernels compute products: `auto` (default: blocked kernels where the shape and path allow, docs/gpu.md) or `plain` (one output per thread, for comparison). */
  matmul?: GpuMatmul;
}

const hostRuntimes: readonly GpuRuntime[] = ['webasm', 'cpu'];

// What each option accepts.
const optionRules = { mode: oneOf('auto', ...gpuRuntimes, ...hostRuntimes), allowFallback: isBoolean, device: isName, fuse: oneOf('trees', 'chains'), matmul: oneOf('auto', 'plain') };

/**
 * Make the gpu backend on gpu.js; register it with `registerBackend`.
 * Fails with a DeviceError that says what is missing when no GPU context
 * exists, unless `allowFallback` is set (then `info.fallback` is true and
 * `info.note` says what runs instead).
 */
export async function createGpuBackend(opts: GpuBackendOptions = {}): Promise<GpuBackend> {
  // Checked before gpu.js loads: a wrong option is an ArgumentError (a rejected promise) naming it.
  checkOptions('createGpuBackend', opts, optionRules);
  const GPU = await loadGpuJs();
  const mode = opts.mode ?? 'auto';
  const device = opts.device ?? 'gpu';
  const wanted: GpuRuntime[] = mode === 'auto' ? (isNode() ? ['headlessgl'] : ['webgl2', 'webgl']) : [mode];
  const failures: string[] = [];
  for (const r of wanted) {
    const b = await tryOpen(GPU, r, device, failures, mode !== 'auto' && hostRuntimes.includes(r), undefined, opts.fuse, opts.matmul);
    if (b) return b;
  }
  const why = failures.join('; ');
  if (!opts.allowFallback) {
    throw new DeviceError(
      'createGpuBackend',
      `no GPU context for gpu.js (${why}). ` +
        (isNode()
          ? 'In Node, build the `gl` package and run under a display (`xvfb-run -a node ...`), or use mode: "webgpu" with the `webgpu` package; '
          : 'In a browser, enable hardware acceleration or WebGL; ') +
        `or pass { allowFallback: true } to run gpu.js's WebAssembly kernels on the CPU, reported as a fallback — or use device 'cpu'`,
    );
  }
  // Fallback: the other GPU paths first (an explicit mode may have missed an available one), then the host.
  const rest = [...(isNode() ? ['headlessgl'] : ['webgl2', 'webgl']), ...hostRuntimes].filter((r) => !wanted.includes(r as GpuRuntime)) as GpuRuntime[];
  for (const r of rest) {
    const b = await tryOpen(GPU, r, device, failures, false, `asked for ${mode}, which is not available (${why})`, opts.fuse, opts.matmul);
    if (b) return b;
  }
  throw new DeviceError('createGpuBackend', `no gpu.js runtime works here, not even the fallbacks: ${failures.join('; ')}`);
}

async function tryOpen(GPU: GpuJsClass, r: GpuRuntime, device: string, failures: string[], explicitHost: boolean, fallbackWhy?: string, fuse?: GpuFuse, matmul?: GpuMatmul): Promise<GpuBackend | null> {
  const reason = await unavailableReason(GPU, r);
  if (reason) {
    failures.push(`${r}: ${reason}`);
    return null;
  }
  try {
    return await open(GPU, r, device, explicitHost, fallbackWhy, fuse, matmul);
  } catch (e) {
    if (e instanceof DeviceError && /single precision/.test(e.message)) throw e;
    failures.push(`${r}: ${(e as Error).message}`);
    return null;
  }
}

function noteFor(r: GpuRuntime, explicitHost: boolean, fallbackWhy?: string): string {
  const what: Record<GpuRuntime, string> = {
    headlessgl: 'gpu.js HeadlessGLKernel: WebGL 1 shaders through headless-gl (ANGLE on the system OpenGL driver)',
    webgl2: 'gpu.js WebGL2Kernel: GLSL ES 3.0 fragment shaders over float32 textures',
    webgl: 'gpu.js WebGLKernel: GLSL ES 1.0 fragment shaders over float32 textures',
    webgpu: 'gpu.js WebGPUKernel: WGSL compute shaders over float32 storage buffers (asynchronous readback)',
    webasm: 'gpu.js WebAssemblyKernel: WebAssembly SIMD on the CPU, not a GPU',
    cpu: 'gpu.js CPUKernel: plain JavaScript on the CPU, not a GPU',
  };
  if (fallbackWhy) return `FALLBACK: ${fallbackWhy}; runs ${what[r]} instead`;
  if (explicitHost) return `${what[r]} (asked for explicitly)`;
  return what[r];
}

async function open(GPU: GpuJsClass, r: GpuRuntime, device: string, explicitHost: boolean, fallbackWhy?: string, fuse?: GpuFuse, matmul?: GpuMatmul): Promise<GpuBackend> {
  const gpu: GpuJs = new GPU({ mode: r });
  const features = gpu.Kernel?.features;
  if (gpuRuntimes.includes(r) && r !== 'webgpu' && features && !(features.isFloatRead && features.isTextureFloat)) {
    gpu.destroy();
    throw new DeviceError(
      'createGpuBackend',
      `the ${r} context cannot render to or read float32 textures (single precision unsupported: ` +
        `isTextureFloat ${features.isTextureFloat}, isFloatRead ${features.isFloatRead}); nn computes in float32 only and refuses 8-bit packing — ` +
        `use another mode or device 'cpu'`,
    );
  }
  for (const s of helperSources) gpu.addFunction(s);
  gpu.addFunction(intHelper.source, intHelper.settings);
  // Index arithmetic is integer (sources.ts): the device's own limit is the only one.
  const { maxElements, limitText } = await limitsOf(r, features?.maxTextureSize);
  const backend = new GpuBackend(gpu, {
    device,
    runtime: r,
    fallback: fallbackWhy !== undefined || (hostRuntimes.includes(r) && !explicitHost),
    note: noteFor(r, explicitHost, fallbackWhy),
    maxElements,
    limitText,
    fuse,
    matmul,
  });
  // Probe: one upload and one readback prove the path works end to end and
  // that gpu.js really runs the kernel class we report (it can fall back silently).
  const probe = backend.fromArray(new Float32Array([1.5, -2.25]), [2]);
  try {
    const got = await backend.read(probe);
    if (got[0] !== 1.5 || got[1] !== -2.25) throw new Error(`probe read back [${got.join(', ')}] instead of [1.5, -2.25]`);
  } finally {
    backend.free(probe);
  }
  const cls = backend.kernelClass();
  if (runtimeOfClass(cls) !== r) throw new Error(`asked gpu.js for ${r}, but it ran ${cls}`);
  return backend;
}

async function limitsOf(r: GpuRuntime, maxTextureSize: number | undefined): Promise<{ maxElements: number; limitText: string }> {
  if (r === 'webgpu') {
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ limits: Record<string, number> } | null> } } }).navigator?.gpu;
    const adapter = await gpu?.requestAdapter();
    const bytes = Math.min(adapter?.limits.maxStorageBufferBindingSize ?? 2 ** 27, adapter?.limits.maxBufferSize ?? 2 ** 27);
    return { maxElements: Math.floor(bytes / 4), limitText: `maxStorageBufferBindingSize ${bytes} bytes / 4` };
  }
  if (maxTextureSize && Number.isFinite(maxTextureSize)) {
    // A flat tensor of n values lives in a near-square texture (gpu.js closestSquareDimensions).
    let lo = 0;
    let hi = maxTextureSize * maxTextureSize;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const [w, h] = closestSquare(mid);
      if (w <= maxTextureSize && h <= maxTextureSize) lo = mid;
      else hi = mid - 1;
    }
    return { maxElements: lo, limitText: `MAX_TEXTURE_SIZE ${maxTextureSize} (a ${maxTextureSize}×${maxTextureSize} texture at most)` };
  }
  return { maxElements: 2 ** 31 - 1, limitText: 'the JavaScript typed-array limit' };
}
