import { useGpu } from '../test/use-gpu.js';
import { describeScale } from '../test/scale-suite.js';

// Node + headless-gl (Mesa llvmpipe under Xvfb): 16384² texels at most, so 2^28 values.
const ctx = useGpu('headlessgl');

describeScale('headless-gl', ctx, /larger than the headlessgl device allows: MAX_TEXTURE_SIZE \d+/);
