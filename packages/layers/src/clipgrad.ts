import { ArgumentError, DeviceError, NumericError, Tensor, checkArg, checkOptions, isBoolean, noGrad, scope, showValue, stack, tensor } from '@nn/core';

/** The tensors of `params` (one tensor or an iterable, as PyTorch) that have a gradient. */
function gradsOf(op: string, params: unknown): Tensor[] {
  let list: unknown[];
  if (params instanceof Tensor) list = [params];
  else if (params !== null && typeof params === 'object' && typeof (params as Iterable<unknown>)[Symbol.iterator] === 'function') list = [...(params as Iterable<unknown>)];
  else throw new ArgumentError(op, `expected the parameters (a tensor or an iterable of tensors, e.g. model.parameters()), got ${showValue(params)}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentError(op, `parameter ${i} must be a tensor, got ${showValue(p)}`);
    if (p.grad) grads.push(p.grad);
  });
  const devices = [...new Set(grads.map((g) => g.device))];
  if (devices.length > 1) {
    throw new DeviceError(op, `the gradients are on ${devices.map((d) => `'${d}'`).join(' and ')}; clip one device's parameters at a time, or move the model with model.to() first`);
  }
  return grads;
}

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** Throw a NumericError when the total norm is NaN or ±Inf (default false, as PyTorch); reads the norm back. */
  errorIfNonfinite?: boolean;
}

/**
 * Scale every gradient in place so that their total `normType`-norm (the norm of the per-tensor
 * norms; `Infinity` for the max norm) is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`:
 * each gradient is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm before
 * clipping as a 0-d tensor on the gradients' device, as PyTorch (read it with `.item()`); it
 * stays on the device so a GPU step does not wait for a readback.
 */
export function clipGradNorm_(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, opts: ClipGradNormOptions = {}): Tensor {
  const op = 'clipGradNorm_';
  checkArg(op, 'maxNorm', maxNorm, { accepts: 'a number ≥ 0, e.g. 1.0', ok: (v) => typeof v === 'number' && v >= 0 && !Number.isNaN(v) });
  checkArg(op, 'normType', normType, { accepts: 'a number > 0 or Infinity, e.g. 2', ok: (v) => typeof v === 'number' && v > 0 });
  checkOptions(op, opts, { errorIfNonfinite: isBoolean });
  const grads = gradsOf(op, params);
  if (grads.length === 0) return tensor(0);
  // scope frees the per-tensor norms and temporaries; the total is returned, so it survives.
  return noGrad(() => scope(() => {
    const total = perTensorNorm(stack(grads.map((g) => perTensorNorm(g, normType))), normType);
    if (opts.errorIfNonfinite && !Number.isFinite(total.item())) {
      throw new NumericError(op, `the total ${normType}-norm of the gradients is ${total.item()}; the loss or a gradient is not finite — check the inputs, lower the learning rate, or pass { errorIfNonfinite: false }`);
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp({ max: 1 });
    for (const g of grads) g.mul_(coef);
    return total;
  }));
}

/** ‖t‖_p over every element: the max of |t| for p = ∞, (Σ|t|^p)^(1/p) otherwise. */
function perTensorNorm(t: Tensor, p: number): Tensor {
  if (p === Infinity) return t.abs().max();
  if (p === 2) return t.square().sum().sqrt();
  if (p === 1) return t.abs().sum();
  return t.abs().pow(p).sum().pow(1 / p);
}

/** Clamp every gradient in place to [−clipValue, clipValue], as `torch.nn.utils.clip_grad_value_`. */
export function clipGradValue_(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue_';
  checkArg(op, 'clipValue', clipValue, { accepts: 'a number ≥ 0, e.g. 0.5', ok: (v) => typeof v === 'number' && v >= 0 && !Number.isNaN(v) });
  const grads = gradsOf(op, params);
  noGrad(() => scope(() => {
    for (const g of grads) g.copy_(g.clamp({ min: -clipValue, max: clipValue }));
  }));
}
