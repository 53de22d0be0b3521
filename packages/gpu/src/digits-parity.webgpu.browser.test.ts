import { describeDigitsParity } from '../../../apps/example/test/digits-parity-suite.js';
import { useGpu } from '../test/use-gpu.js';

// Issue 12: the example's digits training matches PyTorch's losses in headless Chromium too, WebGPU on SwiftShader.
const ctx = useGpu('webgpu');

describeDigitsParity('webgpu, Chromium', 'webgpu', () => ctx.gpu.info);
