import { useGpu } from '../test/use-gpu.js';
import { describeLargeProduct } from '../test/scale-suite.js';

// Issue 16's 16.7 M-value product in headless Chromium, WebGPU on SwiftShader (maxStorageBufferBindingSize / 4 values at most).
// Only the product: the rest of the scale suite runs on headless-gl and Dawn (scale.{gl,dawn}.test.ts).
describeLargeProduct('webgpu, Chromium', useGpu('webgpu'), 'WebGPUKernel');
