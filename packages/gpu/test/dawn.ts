import { existsSync } from 'node:fs';

/** The Vulkan ICD Dawn runs on without a GPU: SwiftShader, as Debian's Chromium ships it. */
export const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Give Node a WebGPU `navigator.gpu` from Dawn (npm `webgpu`), on SwiftShader's
 * Vulkan unless VK_ICD_FILENAMES already names a driver. Throws, saying what
 * to install, when something is missing: the suite fails, it never skips.
 */
export async function installDawn(): Promise<void> {
  if (!process.env.VK_ICD_FILENAMES) {
    if (!existsSync(swiftshaderIcd)) {
      throw new Error(`Dawn suite: no Vulkan driver given (VK_ICD_FILENAMES unset) and no SwiftShader ICD at ${swiftshaderIcd}; apt-get install chromium (it ships SwiftShader's Vulkan), or set VK_ICD_FILENAMES`);
    }
    process.env.VK_ICD_FILENAMES = swiftshaderIcd;
  }
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    throw new Error(`Dawn suite: cannot load the npm package \`webgpu\` (${(e as Error).message}); npm install -D webgpu@0.6.2`);
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  (globalThis as { navigator?: unknown }).navigator = { gpu };
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      `Dawn suite: Dawn found no WebGPU adapter on VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}; ` +
        'it needs the Vulkan loader (apt-get install libvulkan1) and a Vulkan driver (chromium ships SwiftShader\'s)',
    );
  }
}
