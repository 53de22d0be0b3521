import type { Backend, Handle } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { ArgumentError } from '../errors.js';
import { checkOptions, checkReduceDims, checkTensor, isBoolean, type OptionRule } from '../validate.js';
import { freeOnThrow, keepOnly, onRank1 } from './alongdim.js';
import type { Forward, OpAttrs } from './opdef.js';
import { record } from './record.js';

// var and std along dims, as torch.var/torch.std: Σ(x − mean)² / max(0, N − correction),
// two passes (the mean first, so no cancellation of Σx² − N·mean²). Their backward and
// explanation are their entries in defs/moments.ts.

/** Options of var and std, as PyTorch's keyword arguments. */
export interface VarOptions {
  /** Subtracted from the count N in the divisor: 1 (default) is Bessel's unbiased estimate, 0 the population variance. */
  correction?: number;
  /** Keep the reduced dims as size 1. */
  keepdim?: boolean;
}

const options: Readonly<Record<string, OptionRule>> = {
  correction: { accepts: 'a number >= 0 (1 for the unbiased estimate, 0 for the population variance)', ok: (v) => typeof v === 'number' && v >= 0 && Number.isFinite(v) },
  keepdim: isBoolean,
};

/** @internal The count N of the elements each result of var/std averages over. */
export function countOf(shape: readonly number[], dim: readonly number[] | undefined): number {
  let n = 1;
  for (const d of dim ?? shape.map((_, i) => i)) n *= shape[d] ?? 1;
  return n;
}

// Σ(x − mean)² / max(0, N − correction) over the dims, on a tensor of rank >= 1.
function varianceOf(be: Backend, v: Handle, { dim, correction, keepdim }: OpAttrs['var']): Handle {
  const axes = dim ?? v.shape.map((_, i) => i);
  const n = countOf(v.shape, axes);
  return freeOnThrow(be, (track) => {
    const s = track(be.reduce('sum', v, axes, true));
    const mu = track(be.scalar('mul', s, 1 / n, false));
    const d = track(be.binary('sub', v, mu));
    const sq = track(be.binary('mul', d, d));
    const ss = track(be.reduce('sum', sq, axes, keepdim));
    // An empty or too small count divides by 0: NaN (or Inf), as PyTorch.
    return keepOnly(be, [s, mu, d, sq, ss, be.scalar('div', ss, Math.max(0, n - correction), false)], 5);
  });
}

/** @internal The forward of var. */
export const varForward: Forward<'var'> = (be, [x], attrs) => onRank1(be, x!, [], (v) => varianceOf(be, v, attrs));

/** @internal The forward of std: √var. */
export const stdForward: Forward<'std'> = (be, [x], attrs) =>
  onRank1(be, x!, [], (v) =>
    freeOnThrow(be, (track) => {
      const vr = track(varianceOf(be, v, attrs));
      return keepOnly(be, [vr, be.unary('sqrt', vr)], 1);
    }),
  );

function momentAttrs(op: 'var' | 'std', x: Tensor, dim: number | readonly number[] | undefined, opts: VarOptions): OpAttrs['var'] {
  checkTensor(op, x, 'the input');
  if (typeof opts === 'boolean') {
    throw new ArgumentError(op, `expected options such as { correction: 0 }, got ${opts}; PyTorch's unbiased=${opts} is { correction: ${opts ? 1 : 0} }, keepdim is { keepdim: true }`);
  }
  checkOptions(op, opts, options);
  const axes = checkReduceDims(op, dim, x.ndim);
  const correction = opts?.correction ?? 1;
  const keepdim = opts?.keepdim ?? false;
  // A 0-d tensor has one dim to reduce, dim 0, as in PyTorch.
  if (x.ndim === 0) return { dim: [0], correction, keepdim };
  return dim === undefined ? { correction, keepdim } : { dim: axes, correction, keepdim };
}

/** Variance over all elements or along `dim`, as torch.var: `{ correction = 1, keepdim = false }` (also exported as `var`). */
export function variance(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  const attrs = momentAttrs('var', x, dim, opts);
  return record('var', varForward(x.backend('var'), [x.handle('var')], attrs), [x], attrs);
}

/** Standard deviation over all elements or along `dim`, as torch.std: `{ correction = 1, keepdim = false }`. */
export function std(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  const attrs = momentAttrs('std', x, dim, opts);
  return record('std', stdForward(x.backend('std'), [x.handle('std')], attrs), [x], attrs);
}

/** torch.var's name (`var` is a keyword, so `import { var }` cannot be written; `nn.var(x)` and `x.var()` can). */
export { variance as var };
