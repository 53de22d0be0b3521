import { onesLike } from './creation.js';
import { ArgumentError, DeviceError, ShapeError, StateError } from './errors.js';
import type { GradNode } from './node.js';
import { fmtShape, sameShape } from './shape.js';
import { keep } from './memory.js';
import { noGrad, popScope, pushScope, setBackwardOp } from './state.js';
import { Tensor } from './tensor.js';
import { add } from './ops/elementwise.js';
import { clone } from './ops/shape.js';
import { ruleOf, savesOf } from './ops/table.js';
import type { Saved } from './ops/opdef.js';

/**
 * Tensors reachable from `root` through recorded ops, inputs before outputs:
 * those that require grad, or with `all` every input too (x, y: the forward
 * picture shows them).
 */
export function topoOrder(root: Tensor, all = false): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long unrolled loops) must not overflow the stack. Two parallel
  // stacks (a tensor, the next of its inputs to visit) so that a visit allocates no pair.
  const stack: Tensor[] = [root];
  const nextInput: number[] = [0];
  seen.add(root);
  while (stack.length) {
    const top = stack.length - 1;
    const t = stack[top]!;
    const i = nextInput[top]!;
    const inputs = t._node ? t._node.inputs : NO_INPUTS;
    if (i < inputs.length) {
      nextInput[top] = i + 1;
      const next = inputs[i]!;
      if ((all || next.requiresGrad) && !seen.has(next)) {
        seen.add(next);
        stack.push(next);
        nextInput.push(0);
      }
    } else {
      stack.pop();
      nextInput.pop();
      order.push(t);
    }
  }
  return order;
}

// A leaf's inputs (none), shared.
const NO_INPUTS: readonly Tensor[] = [];

/** Options of `backward()`, PyTorch's keyword arguments in camelCase. */
export interface BackwardOptions {
  /**
   * Keep the graph for another backward() through it, as PyTorch's `retain_graph`. Without it a
   * backward releases the graph, and a second one through an op that saved values is refused.
   */
  retainGraph?: boolean;
}

/**
 * @internal Reverse-mode differentiation from `root`. Gradients of leaves are
 * accumulated into `.grad`; every intermediate gradient is freed on return.
 * Everything that would make the result wrong is refused before any gradient
 * is computed, so a refused backward leaves every `.grad` as it was.
 */
export function runBackward(root: Tensor, seed?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new StateError(
      'backward',
      `${root.describe()} does not require grad: nothing recorded leads to it. Set requiresGrad = true on the weights before the forward pass, outside noGrad()`,
    );
  }
  if (seed !== undefined) checkSeed(root, seed);
  else if (root.size !== 1) {
    throw new ShapeError(
      'backward',
      `the gradient can be implied only for a one-element output, but ${root.describe()} has ${root.size}; reduce it first (.sum()) or pass backward(grad) with shape ${fmtShape(root.shape)}`,
    );
  }
  const retainGraph = options.retainGraph ?? false;
  if (typeof retainGraph !== 'boolean') {
    throw new ArgumentError('backward', `retainGraph must be true or false, got ${typeof retainGraph} ${String(retainGraph)}; write backward({ retainGraph: true })`);
  }
  const order = topoOrder(root);
  for (const t of order) if (t._node) checkSaved(t, t._node);
  const made = pushScope();
  const adopted = new Set<Tensor>();
  try {
    noGrad(() => {
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
        const rule = ruleOf(node);
        if (!rule) throw new StateError('backward', `${t.describe()} was recorded as op '${node.id}', which has no backward in the op table (ops/table.ts)`);
        setBackwardOp(node.op);
        // The op's one entry in the op table: the same rule explain prints.
        const inGrads = rule.backward({ g, inputs: node.inputs, attrs: node.attrs as never, out: t });
        setBackwardOp(null);
        for (let k = 0; k < node.inputs.length; k++) {
          const inp = node.inputs[k]!;
          const gi = inGrads[k];
          if (!gi || !inp.requiresGrad) continue;
          checkGradient(node, inp, gi);
          const prev = grads.get(inp);
          grads.set(inp, prev ? add(prev, gi) : gi);
        }
      }
    });
  } finally {
    setBackwardOp(null);
    popScope();
    for (const t of made) if (!adopted.has(t)) t.dispose();
  }
  // As PyTorch frees saved tensors here. nn keeps them (they are the caller's h, h_relu, ...,
  // and explain and topoOrder still read the graph), but refuses a second pass all the same,
  // so that a program behaves alike in both and a forgotten retainGraph is not silently
  // accumulated twice.
  if (!retainGraph) for (const t of order) if (t._node) t._node.released = true;
}

// The gradient given to backward(gradient) must fit the output: same device, same shape.
function checkSeed(root: Tensor, seed: unknown): asserts seed is Tensor {
  if (!(seed instanceof Tensor)) {
    throw new ArgumentError(
      'backward',
      `gradient must be a Tensor of shape ${fmtShape(root.shape)} (or an options object such as { retainGraph: true }), got ${seed === null ? 'null' : typeof seed}; pass e.g. onesLike(output)`,
    );
  }
  if (seed.isDisposed) {
    throw new StateError('backward', `the gradient ${seed.describe()} was disposed; keep it alive until backward() returns`);
  }
  if (seed.device !== root.device) {
    throw new DeviceError(
      'backward',
      `the gradient ${seed.describe()} is on '${seed.device}' but the output ${root.describe()} is on '${root.device}'; ` +
        `nn never moves data silently — move the gradient with gradient.to('${root.device}')`,
    );
  }
  if (!sameShape(seed.shape, root.shape)) {
    throw new ShapeError(
      'backward',
      `the gradient has shape ${fmtShape(seed.shape)} but the output ${root.describe()} has shape ${fmtShape(root.shape)}; ` +
        `backward(gradient) needs one value per output element — pass a gradient of shape ${fmtShape(root.shape)}`,
    );
  }
}

// The saved values a node's backward will read must still be as they were saved:
// not released by an earlier backward, not disposed, not changed in place.
function checkSaved(out: Tensor, node: GradNode): void {
  const saves = savesOf(node);
  if (node.released && saves.length > 0) {
    throw new StateError(
      'backward',
      `trying to backward through the graph a second time: ${out.describe()} was made by ${node.op}, whose saved values ` +
        `(${saves.join(', ')}) were released by the first backward(). Pass { retainGraph: true } to the first call ` +
        `(loss.backward({ retainGraph: true })) if you need to backward twice, or run the forward pass again`,
    );
  }
  // No arrays or strings are made here unless a check fails: this runs for every node of every backward.
  for (const name of saves) {
    if (name === 'output') {
      // An op's output starts at version 0, so any other version is a change after it was saved.
      checkValue(node, out, null, 0);
      continue;
    }
    const k = savedIndex(node, name);
    if (k >= 0 && k < node.inputs.length) checkValue(node, node.inputs[k]!, name, node.versions[k]!);
  }
}

// One saved value: still alive, and at the version it had when saved. `input` names it
// (`a`, `b`, `mask`), null for the op's output.
function checkValue(node: GradNode, t: Tensor, input: string | null, version: number): void {
  if (!t.isDisposed && t._version === version) return;
  const role = input === null ? 'its output' : `its input ${input}`;
  if (t.isDisposed) {
    throw new StateError(
      'backward',
      `${t.describe()}, saved by ${node.op} as ${role}, was disposed before backward(); the gradient needs it — ` +
        `keep it alive until backward() returns (return it from the scope, or call backward() inside it)`,
    );
  }
  throw new StateError(
    'backward',
    `one of the values needed for the gradient was changed in place: ${t.describe()}, saved by ${node.op} as ${role}, ` +
      `is at version ${t._version} but was saved at version ${version}, so the gradient would be wrong — ` +
      `do the in-place change after backward(), or use the out-of-place op (e.g. x.mul(2) instead of x.mul_(2))`,
  );
}

// Which input a saved name is: `a`/`b` (a number operand is not an input, so `b` of
// `2 - x` is input 0; -1 for the number itself) or `mask` (the last input).
function savedIndex(node: GradNode, name: Exclude<Saved, 'output'>): number {
  const side = node.attrs['scalarSide'];
  if (name === 'a') return side === 'left' ? -1 : 0;
  if (name === 'b') return side === 'left' ? 0 : side === 'right' ? -1 : 1;
  return node.inputs.length - 1;
}

// Each op's backward must give a gradient of its input's shape on its input's device;
// anything else is a bug in that op, caught here before it reaches a .grad.
function checkGradient(node: GradNode, inp: Tensor, g: Tensor): void {
  if (g.device !== inp.device) {
    throw new DeviceError(
      'backward',
      `the backward of ${node.op} (op table entry '${node.id}') gave a gradient on '${g.device}' for ${inp.describe()}; this is a bug in that entry's backward — please report it`,
    );
  }
  if (!sameShape(g.shape, inp.shape)) {
    throw new ShapeError(
      'backward',
      `the backward of ${node.op} (op table entry '${node.id}') gave a gradient of shape ${fmtShape(g.shape)} for its input ${inp.describe()}, ` +
        `which needs shape ${fmtShape(inp.shape)}; this is a bug in that entry's backward — please report it`,
    );
  }
}

function accumulate(leaf: Tensor, g: Tensor, made: Set<Tensor>, adopted: Set<Tensor>): void {
  if (leaf.grad && !leaf.grad.isDisposed) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    adopted.add(sum);
    leaf.grad = keep(sum);
    return;
  }
  // A gradient tensor the engine did not make (the caller's seed), one already
  // given to another leaf, or a view (b.t()'s gradient is a view of its output's,
  // which may be another leaf's .grad or the caller's seed) is cloned so that each
  // .grad owns its data: an in-place change of one (w.grad.zero_()) changes no other.
  // A clone shares the buffer copy-on-write: no kernel.
  let own = g;
  if (!made.has(g) || adopted.has(g) || g.isView) own = clone(g);
  adopted.add(own);
  leaf.grad = keep(own);
}
