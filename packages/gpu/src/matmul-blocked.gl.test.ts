import { useGpu } from '../test/use-gpu.js';
import { describeBlockedMatmul } from '../test/matmul-blocked-suite.js';

// The blocked matmul on Node + headless-gl (Mesa's llvmpipe): four launches a
// product (pack A, pack B, the packed product, unpack), from 2^23 multiply-adds.
const ctx = useGpu('headlessgl');

describeBlockedMatmul('headless-gl', { mode: 'headlessgl', launches: 4, linearLaunches: 5, m: 160, k: 333, n: 164, ratioSizes: [256, 512], gpu: () => ctx.gpu });
