import { DeviceError } from '@nn/core';

/** The gpu.js backends nn can report; `webasm` and `cpu` compute on the host. */
export type GpuRuntime = 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu' | 'webasm' | 'cpu';

/** What createGpuBackend may be asked for: one runtime, or `auto` (the best synchronous GL path). */
export type GpuMode = 'auto' | GpuRuntime;

/** The slice of gpu.js's kernel object nn uses. */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  /** The backend kernel that really runs (gpu.js swaps it on fallback). */
  kernel: { constructor: { name: string }; fallbackReason?: string } | undefined;
  destroy?(removeCanvasReferences?: boolean): void;
}

/** The slice of gpu.js's GPU instance nn uses. */
export interface GpuJs {
  mode: string;
  Kernel: { name: string; features?: { isFloatRead?: boolean; isTextureFloat?: boolean; maxTextureSize?: number } } | null;
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  addFunction(source: string, settings?: Record<string, unknown>): unknown;
  destroy(): unknown;
}

/** The gpu.js module's GPU class. */
export interface GpuJsClass {
  new (settings: Record<string, unknown>): GpuJs;
  isHeadlessGLSupported: boolean;
  isWebGL2Supported: boolean;
  isWebGLSupported: boolean;
  isWebGPUSupported: boolean;
  isWebAssemblySupported: boolean;
  isWebGPUAvailable(): Promise<boolean>;
}

/** gpu.js kernel class name → the runtime nn reports. */
const classToRuntime: Record<string, GpuRuntime> = {
  HeadlessGLKernel: 'headlessgl',
  WebGL2Kernel: 'webgl2',
  WebGLKernel: 'webgl',
  WebGPUKernel: 'webgpu',
  WebAssemblyKernel: 'webasm',
  CPUKernel: 'cpu',
};

/** The runtime of a gpu.js kernel class name, or undefined for one nn does not know. */
export function runtimeOfClass(name: string): GpuRuntime | undefined {
  return classToRuntime[name];
}

// gpu.js's kernel classes as the loaded module exports them. A minifier
// renames classes (`constructor.name` becomes `b`), so a kernel object is
// matched by identity with the exported class, never by its name. Exact
// constructors, not instanceof: HeadlessGLKernel and WebGL2Kernel both extend WebGLKernel.
const kernelClasses = new Map<unknown, string>();

/** Remember the kernel classes a gpu.js module exports (called by loadGpuJs). */
function rememberKernelClasses(mod: Record<string, unknown>): void {
  for (const name of Object.keys(classToRuntime)) {
    const cls = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
    if (typeof cls === 'function') kernelClasses.set(cls, name);
  }
}

/** gpu.js's name of a kernel object's class (e.g. `WebGL2Kernel`), found by identity, so minified builds still match; 'unknown' for another class. */
export function kernelClassName(kernel: object | undefined): string {
  if (kernel === undefined) return 'unknown';
  return kernelClasses.get(kernel.constructor) ?? 'unknown';
}

/** Runtimes that run on a GPU (the others compute on the host). */
export const gpuRuntimes: readonly GpuRuntime[] = ['headlessgl', 'webgl2', 'webgl', 'webgpu'];

/** True in Node (where headless-gl is the GL path), false in a browser. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { document?: unknown }).document === 'undefined';
}

/** Load gpu.js lazily, so importing @nn/gpu costs nothing until a backend is made. */
export async function loadGpuJs(): Promise<GpuJsClass> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('gpu.js')) as Record<string, unknown>;
  } catch (e) {
    throw new DeviceError(
      'createGpuBackend',
      `cannot load gpu.js (${(e as Error).message}); it is a peer dependency of @nn/gpu: npm install gpu.js@2.24.1`,
    );
  }
  const GPU = (mod.GPU ?? (mod.default as Record<string, unknown> | undefined)?.GPU) as GpuJsClass | undefined;
  if (typeof GPU !== 'function') throw new DeviceError('createGpuBackend', 'gpu.js loaded but exports no GPU class; @nn/gpu needs gpu.js 2.24');
  rememberKernelClasses(mod);
  return GPU;
}

/** Why a runtime is not available here, or null when it is; `hint` says how to get it. */
export async function unavailableReason(GPU: GpuJsClass, r: GpuRuntime): Promise<string | null> {
  switch (r) {
    case 'headlessgl':
      if (!isNode()) return 'headless-gl runs only in Node';
      return GPU.isHeadlessGLSupported
        ? null
        : 'headless-gl has no context: install the `gl` package (built from source, needs build-essential, python3, libx11-dev, libxi-dev, libxext-dev) and give it a display, e.g. run under `xvfb-run -a` (apt: xvfb xauth libgl1-mesa-dri)';
    case 'webgl2':
      if (isNode()) return 'WebGL2 needs a browser';
      return GPU.isWebGL2Supported ? null : 'this browser gives no WebGL2 context (hardware acceleration off? in headless Chromium add --use-angle=swiftshader --enable-unsafe-swiftshader)';
    case 'webgl':
      if (isNode()) return 'WebGL needs a browser';
      return GPU.isWebGLSupported ? null : 'this browser gives no WebGL context';
    case 'webgpu':
      if (!GPU.isWebGPUSupported) {
        return isNode()
          ? 'no navigator.gpu in Node: install `webgpu` (Dawn) and set globalThis.navigator = { gpu: create([]) } before creating the backend'
          : 'no navigator.gpu in this browser (needs a secure context; in headless Chromium add --enable-unsafe-webgpu)';
      }
      return (await GPU.isWebGPUAvailable()) ? null : 'navigator.gpu exists but no WebGPU adapter answered';
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'no WebAssembly here';
    case 'cpu':
      return null;
  }
}
