import { describeLayersOnGpu } from '../../layers/test/gpu-suite.js';
import { useGpu } from '../test/use-gpu.js';

// @nn/layers in headless Chromium, WebGL2 on SwiftShader; the reference is @nn/cpu's plain TypeScript loops.
const ctx = useGpu('webgl2', { reference: { engine: 'js' } });

// The same float32 tolerance as headless-gl: a few ulps more than the CPU on exp/log of O(1) values.
describeLayersOnGpu('webgl2, Chromium', 'WebGL2Kernel', () => ctx.gpu, { atol: 1e-5, rtol: 1e-4 });
