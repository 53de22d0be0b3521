import { installDawn } from '../test/dawn.js';
import { describeWebGpu } from '../test/webgpu-suite.js';
import { useGpu } from '../test/use-gpu.js';

// Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan: gpu.js's WebGPUKernel compiles real WGSL.
const ctx = useGpu('webgpu', { prepare: installDawn });

describeWebGpu('Node + Dawn', () => ctx.gpu);
