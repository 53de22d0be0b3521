import type { Backend, Handle } from '../backend.js';
import { DeviceError, NumericError, ShapeError } from '../errors.js';
import type { GradNode } from '../node.js';
import { broadcastShapes, fmtShape, sameShape, type Shape } from '../shape.js';
import { currentBackwardOp, isCheckingNumerics, isGradEnabled, untrack } from '../state.js';
import { getBackend } from '../registry.js';
import { Tensor, type Operand } from '../tensor.js';
import type { OpAttrs, OpId } from './opdef.js';
import { reshapeView } from '../view.js';
import { checkShape, checkTensor } from '../validate.js';
import { resultDType, type DType } from '../dtype.js';

/** @internal Shared attrs of an op that has none (nothing reads or changes them). */
export const NO_ATTRS: OpAttrs['neg'] = Object.freeze({}) as OpAttrs['neg'];

/**
 * @internal Wrap a fresh handle in a Tensor and, when any input requires grad
 * and recording is on, attach the node that lets backward reach the inputs:
 * the op's typed id (its entry in the op table holds the backward), the name
 * the caller used (`op`), the inputs and the attrs. Recording allocates one
 * node and no closure; under noGrad it allocates nothing.
 */
export function record<K extends OpId>(id: K, handle: Handle, inputs: readonly Tensor[], attrs: OpAttrs[K], op: string = id): Tensor {
  if (isCheckingNumerics()) checkFinite(op, handle, inputs);
  // The result's dtype by the op's rule (dtype.ts); an int32 result carries no gradient.
  const dtype = resultDType(id, inputs, attrs);
  if (!isGradEnabled() || dtype !== 'float32' || !inputs.some(requiresGrad)) return new Tensor(handle, null, dtype);
  const versions = new Array<number>(inputs.length);
  for (let i = 0; i < inputs.length; i++) versions[i] = inputs[i]!._version;
  const node: GradNode = { id, op, inputs, versions, attrs, released: false };
  return new Tensor(handle, node);
}

// One function for every op (an arrow written inside record() would be a new closure per call).
const requiresGrad = (t: Tensor): boolean => t.requiresGrad;

/** @internal Wrap the handle of an op that has no gradient (a comparison mask, argmax's indices): never recorded. */
export function unrecorded(op: string, handle: Handle, inputs: readonly Tensor[], dtype: DType = 'float32'): Tensor {
  if (isCheckingNumerics()) checkFinite(op, handle, inputs);
  return new Tensor(handle, null, dtype);
}

function checkFinite(op: string, handle: Handle, inputs: readonly Tensor[]): void {
  const b = getBackend(handle.device, op);
  if (!b.readSync) {
    throw new DeviceError(op, `checkNumerics needs synchronous reads, which device '${handle.device}' (${b.info.runtime}) lacks; run the check on 'cpu'`);
  }
  const data = b.readSync(handle);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const inBackward = currentBackwardOp();
      const where = inBackward ? ` (in the backward pass of ${inBackward})` : '';
      const ins = inputs.map((t) => t.describe()).join(', ');
      // The result never reaches a Tensor: free it here, or every caught NumericError leaks it.
      b.free(handle);
      throw new NumericError(
        op,
        `produced ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'} at flat index ${i} of its ${fmtShape(handle.shape)} result${where}; ` +
          `inputs: ${ins || 'none'}. This is the first op that made a non-finite value: a smaller learning rate or a guard on its inputs usually fixes it`,
      );
    }
  }
}

/**
 * @internal Tie the intermediates a composite op made (a number's 0-d tensor, a reshaped
 * operand) to its output: recorded, they live exactly as long as the output (its backward
 * may read them; no scope frees them earlier, and freeing the output frees them); unrecorded,
 * they go now. So code that frees a graph by the tensors it knows leaks nothing.
 */
export function ownIntermediates(out: Tensor | undefined, made: readonly Tensor[]): void {
  for (const t of made) {
    if (out?._node) {
      untrack(t);
      (out._owned ??= []).push(t);
    } else t.dispose();
  }
}

/** @internal Throw unless every tensor lives on one device; returns that device's backend. */
export function sameDevice(op: string, ...tensors: Tensor[]): Backend {
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.device !== first.device) {
      throw new DeviceError(
        op,
        `expected all tensors on one device, but ${first.describe()} is on '${first.device}' and ${t.describe()} is on '${t.device}'; ` +
          `nn never moves data silently — move one explicitly, e.g. ${t.name ?? 'b'}.to('${first.device}') or ${first.name ?? 'a'}.to('${t.device}')`,
      );
    }
  }
  return first.backend(op);
}

/** @internal Is this operand a plain number? */
export function isScalar(x: Operand): x is number {
  return typeof x === 'number';
}

/**
 * Sum a broadcast gradient back down to `shape`: over the leading dimensions
 * broadcasting added and over dimensions that were 1 (a broadcasting op's backward).
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  if (!axes.length) throw new ShapeError('sumToShape', `a gradient of shape ${fmtShape(g.shape)} cannot be summed to ${fmtShape(shape)}`);
  const b = g.backend('sumToShape');
  // Summing over leading dimensions only (a bias's [B, n] → [n]) drops them in the
  // reduction itself; otherwise keep the dims, then drop the leading 1s with a view
  // of the fresh row-major sum (no kernel).
  const onlyLead = axes.every((i) => i < lead);
  let h = b.reduce('sum', g.handle('sumToShape'), axes, !onlyLead);
  if (!onlyLead && lead > 0) {
    const r = b.retain(h, reshapeView(h, shape));
    b.free(h);
    h = r;
  }
  return new Tensor(h);
}

/**
 * `sumToShape` as the package exports it (explain and other tools call it): the
 * arguments are checked, and `g` must be what broadcasting `shape` gives, so a
 * shape it cannot be summed to is a ShapeError, not a tensor of another shape.
 * Core's own backward passes call the unchecked one (their shapes hold by construction).
 */
export function sumToShapeChecked(g: Tensor, shape: Shape): Tensor {
  checkTensor('sumToShape', g, 'the gradient');
  checkShape('sumToShape', shape);
  const wide = broadcastShapes('sumToShape', shape, g.shape);
  if (!sameShape(wide, g.shape)) {
    throw new ShapeError('sumToShape', `a gradient of shape ${fmtShape(g.shape)} is not ${fmtShape(shape)} broadcast, so it cannot be summed back to it`);
  }
  return sumToShape(g, shape);
}
