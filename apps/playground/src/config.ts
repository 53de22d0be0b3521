/** The nets of the example, sized as in PyTorch's tutorial. */
export type NetKind = 'two' | 'three';
/** How gradients are computed: by hand (the PyTorch original), by autograd, or through @nn/layers. */
export type Style = 'manual' | 'autograd' | 'layers';
/** Where the tensors live: the cpu backend, or gpu.js on WebGL2 or WebGPU. */
export type DeviceChoice = 'cpu' | 'webgl2' | 'webgpu';

/** Batch size and layer widths: N, D_in, H (or H1, H2), D_out. */
export const SIZES = {
  two: { N: 64, D_in: 1000, H: 100, D_out: 10 },
  three: { N: 64, D_in: 1000, H1: 100, H2: 100, D_out: 10 },
} as const;

/**
 * Learning rates under which each net trains from its start. The randn weights
 * of the manual and autograd versions make the three-layer net's activations
 * ~30× larger per layer, so it needs 1e-8 (1e-7 diverges to Inf within ten
 * steps, checked against PyTorch); the layers version starts from nn.Linear's
 * small uniform init and takes PyTorch tutorial's 1e-4.
 */
export function defaultLr(net: NetKind, style: Style): number {
  if (style === 'layers') return 1e-4;
  return net === 'two' ? 1e-6 : 1e-8;
}

/** Short names of the nets for the run legend. */
export const NET_LABEL: Record<NetKind, string> = { two: 'two-layer', three: 'three-layer' };

/** A learning rate as people write it: 1e-6 rather than 0.000001. */
export function fmtLr(lr: number): string {
  return lr !== 0 && Math.abs(lr) < 1e-3 ? lr.toExponential() : String(lr);
}
