import { describeDigitsParity } from '../../../apps/example/test/digits-parity-suite.js';
import { useGpu } from '../test/use-gpu.js';

// Issue 12: the example's digits training matches PyTorch's losses in headless Chromium too, WebGL2 on SwiftShader.
const ctx = useGpu('webgl2');

describeDigitsParity('webgl2, Chromium', 'webgl2', () => ctx.gpu.info);
