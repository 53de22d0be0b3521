import { describeLayersOnGpu } from '../../layers/test/gpu-suite.js';
import { installDawn } from '../test/dawn.js';
import { useGpu } from '../test/use-gpu.js';

// @nn/layers on Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan: real WGSL, read only with `await t.data()`.
const ctx = useGpu('webgpu', { prepare: installDawn });

// The same float32 tolerance as headless-gl: a few ulps more than the CPU on exp/log of O(1) values.
describeLayersOnGpu('webgpu, Node + Dawn', 'WebGPUKernel', () => ctx.gpu, { atol: 1e-5, rtol: 1e-4 });
