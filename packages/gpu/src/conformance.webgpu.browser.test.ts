import { describeWebGpu } from '../test/webgpu-suite.js';
import { useGpu } from '../test/use-gpu.js';

// Headless Chromium, WebGPU on SwiftShader: gpu.js's WebGPUKernel compiles real WGSL.
// The reference is @nn/cpu's plain TypeScript loops, its living spec.
const ctx = useGpu('webgpu', { reference: { engine: 'js' } });

describeWebGpu('Chromium', () => ctx.gpu);
