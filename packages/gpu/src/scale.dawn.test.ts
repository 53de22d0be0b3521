import { installDawn } from '../test/dawn.js';
import { useGpu } from '../test/use-gpu.js';
import { describeScale } from '../test/scale-suite.js';

// Node + Dawn (npm `webgpu`) on SwiftShader's Vulkan: the adapter's maxStorageBufferBindingSize / 4 values at most.
const ctx = useGpu('webgpu', { prepare: installDawn });

describeScale('Node + Dawn', ctx, /larger than the webgpu device allows: maxStorageBufferBindingSize \d+ bytes/);
