import { describeLayersOnGpu } from '../../layers/test/gpu-suite.js';
import { useGpu } from '../test/use-gpu.js';

// @nn/layers on headless-gl (Node, Mesa): every loss fixture, LayerNorm/BatchNorm1d/Embedding, a small MLP.
const ctx = useGpu('headlessgl');

// GL's float32 exp/log are less exact than the CPU's: a few ulps more on O(1) values.
describeLayersOnGpu('headless-gl', 'HeadlessGLKernel', () => ctx.gpu, { atol: 1e-5, rtol: 1e-4 });
