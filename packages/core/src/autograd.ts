import { onesLike } from './creation.js';
import { ShapeError, StateError } from './errors.js';
import { fmtShape, sameShape } from './shape.js';
import { keep } from './memory.js';
import { noGrad, popScope, pushScope } from './state.js';
import { Tensor } from './tensor.js';

let backwardOp: string | null = null;

/** @internal Name of the op whose backward is running (for NaN reports). */
export function currentBackwardOp(): string | null {
  return backwardOp;
}

/**
 * Tensors reachable from `root` through recorded ops, inputs before outputs:
 * those that require grad, or with `all` every input too (x, y: the forward
 * picture shows them).
 */
export function topoOrder(root: Tensor, all = false): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long unrolled loops) must not overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t._node ? t._node.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i]!;
      if ((all || next.requiresGrad) && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * @internal Reverse-mode differentiation from `root`. Gradients of leaves are
 * accumulated into `.grad`; every intermediate gradient is freed on return.
 */
export function runBackward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new StateError(
      'backward',
      `${root.describe()} does not require grad: nothing recorded leads to it. Set requiresGrad = true on the weights before the forward pass, outside noGrad()`,
    );
  }
  if (seed === undefined && root.size !== 1) {
    throw new ShapeError(
      'backward',
      `the gradient can be implied only for a one-element output, but ${root.describe()} has ${root.size}; reduce it first (.sum()) or pass backward(grad) with shape ${fmtShape(root.shape)}`,
    );
  }
  if (seed !== undefined && !sameShape(seed.shape, root.shape)) {
    throw new ShapeError('backward', `grad has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(root.shape)}`);
  }
  const made = pushScope();
  const adopted = new Set<Tensor>();
  try {
    noGrad(() => {
      const order = topoOrder(root);
      const grads = new Map<Tensor, Tensor>();
      grads.set(root, seed ?? onesLike(root));
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i]!;
        const g = grads.get(t);
        if (!g) continue;
        const node = t._node;
        if (!node) {
          accumulate(t, g, made, adopted);
          continue;
        }
        node.inputs.forEach((inp, k) => {
          if (inp._version !== node.versions[k]) {
            throw new StateError(
              'backward',
              `${inp.describe()}, saved by ${node.op}, was changed in place after it was used (version ${node.versions[k]} → ${inp._version}); ` +
                `the gradient would be wrong — compute the in-place update after backward(), or use the out-of-place op`,
            );
          }
        });
        backwardOp = node.op;
        const inGrads = node.backward(g);
        backwardOp = null;
        node.inputs.forEach((inp, k) => {
          const gi = inGrads[k];
          if (!gi || !inp.requiresGrad) return;
          const prev = grads.get(inp);
          grads.set(inp, prev ? prev.add(gi) : gi);
        });
      }
    });
  } finally {
    backwardOp = null;
    popScope();
    for (const t of made) if (!adopted.has(t)) t.dispose();
  }
}

function accumulate(leaf: Tensor, g: Tensor, made: Set<Tensor>, adopted: Set<Tensor>): void {
  if (leaf.grad && !leaf.grad.isDisposed) {
    const sum = leaf.grad.add(g);
    leaf.grad.dispose();
    adopted.add(sum);
    leaf.grad = keep(sum);
    return;
  }
  // A gradient tensor the engine did not make (the caller's seed), or one
  // already given to another leaf, is copied so that each .grad is owned once.
  let own = g;
  if (!made.has(g) || adopted.has(g)) own = g.clone();
  adopted.add(own);
  leaf.grad = keep(own);
}
