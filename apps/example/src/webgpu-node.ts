/**
 * Node has no `navigator.gpu`. For `--gpu-mode webgpu`, give it one from Dawn
 * (the optional npm package `webgpu`), as gpu.js's WebGPU kernels expect. Dawn
 * uses the system's Vulkan driver, or the one VK_ICD_FILENAMES names (e.g.
 * SwiftShader's, a software renderer: the backend's info says webgpu either way,
 * so say which driver you chose when you report timings).
 */
export async function provideNavigatorGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const specifier = 'webgpu';
  let webgpu: { create(args: string[]): unknown; globals: Record<string, unknown> };
  try {
    webgpu = (await import(specifier)) as typeof webgpu;
  } catch {
    return; // createGpuBackend then explains what is missing
  }
  Object.assign(globalThis, webgpu.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: webgpu.create([]) }, configurable: true, writable: true });
}
