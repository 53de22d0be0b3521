import type { Activation, NodeStat, Snapshot } from '../src/lab/protocol.js';

// An independent float64 recomputation of what the lab's trainer reports for
// each unit (mean output over the batch, dL/d(output) summed over the batch),
// from the weights before the measured step and its batch: plain loops, no nn.

// erf by Abramowitz & Stegun 7.1.26 (error below 1.5e-7), enough for a 1e-4 comparison.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const ACT: Record<Activation, { f: (z: number) => number; d: (z: number) => number }> = {
  relu: { f: (z) => Math.max(z, 0), d: (z) => (z > 0 ? 1 : 0) },
  tanh: { f: Math.tanh, d: (z) => 1 - Math.tanh(z) ** 2 },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), d: (z) => { const s = 1 / (1 + Math.exp(-z)); return s * (1 - s); } },
  gelu: {
    f: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
    d: (z) => 0.5 * (1 + erf(z / Math.SQRT2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI),
  },
  leakyrelu: { f: (z) => (z > 0 ? z : 0.01 * z), d: (z) => (z > 0 ? 1 : 0.01) },
};

/** The nodes (hidden layers, then the output) and the loss, recomputed in float64. */
export function recomputeNodes(s: Snapshot, activation: Activation): { nodes: NodeStat[][]; loss: number } {
  const W = s.weightsBefore;
  const bs = s.biasesBefore;
  const B = s.batchY.length;
  const L = W.length;
  const values: number[][][] = []; // per layer (hidden…, output), per example, per unit: output
  const zs: number[][][] = [];
  for (let e = 0; e < B; e++) {
    let a = [s.batchX[2 * e]!, s.batchX[2 * e + 1]!];
    for (let l = 0; l < L; l++) {
      const z = W[l]!.map((row, o) => row.reduce((acc, w, i) => acc + w * a[i]!, bs[l]![o]!));
      a = l < L - 1 ? z.map(ACT[activation].f) : z;
      ((zs[l] ??= [])[e] = z);
      ((values[l] ??= [])[e] = a);
    }
  }
  let loss = 0;
  const grads: number[][][] = values.map((layer) => layer.map((row) => row.map(() => 0)));
  for (let e = 0; e < B; e++) {
    const x = values[L - 1]![e]![0]!;
    const y = s.batchY[e]!;
    loss += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    grads[L - 1]![e]![0] = (1 / (1 + Math.exp(-x)) - y) / B;
    for (let l = L - 1; l > 0; l--) {
      // dL/dz of layer l, then dL/da of layer l−1 = Wᵀ·dL/dz.
      const dz = l === L - 1 ? grads[l]![e]! : grads[l]![e]!.map((g, o) => g * ACT[activation].d(zs[l]![e]![o]!));
      grads[l - 1]![e] = values[l - 1]![e]!.map((_, i) => dz.reduce((acc, g, o) => acc + g * W[l]![o]![i]!, 0));
    }
  }
  const nodes = values.map((layer, l) =>
    layer[0]!.map((_, j) => ({
      value: layer.reduce((acc, row) => acc + row[j]!, 0) / B,
      grad: grads[l]!.reduce((acc, row) => acc + row[j]!, 0),
    })),
  );
  return { nodes, loss: loss / B };
}
