import { installDawn } from '../test/dawn.js';
import { useGpu } from '../test/use-gpu.js';
import { describeBlockedMatmul } from '../test/matmul-blocked-suite.js';

// The blocked matmul on Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan: one
// launch a product (a 1×4 block per thread, its vec4 buffer read back as the plain
// result), from 2^18 multiply-adds. 512³ is left to scripts/matmul-ratio.mjs (the plain kernel takes ~8 s there).
const ctx = useGpu('webgpu', { prepare: installDawn });

describeBlockedMatmul('Dawn', { mode: 'webgpu', launches: 1, linearLaunches: 1, m: 64, k: 67, n: 68, ratioSizes: [128, 256], gpu: () => ctx.gpu });
