import type { GradNode } from '../node.js';
import { binaryDefs, clampDef, compositeDefs, unaryDefs } from './defs/elementwise.js';
import { eluDef, geluDef, leakyReluDef, softplusDef } from './defs/activation.js';
import { logSoftmaxDef, logsumexpDef, softmaxDef } from './defs/softmax.js';
import { stdDef, varDef } from './defs/moments.js';
import { cumsumDef } from './defs/cumsum.js';
import { bmmDef, mmDef } from './defs/linalg.js';
import { amaxDef, aminDef, meanDef, sumDef } from './defs/reduce.js';
import { cloneDef, expandDef, permuteDef, reshapeDef, tDef } from './defs/shape.js';
import { maskedFillDef, whereDef } from './defs/select.js';
import { sliceDef, sliceScatterDef, squeezeDef, unsqueezeDef } from './defs/slicing.js';
import { catDef, flipDef, repeatDef } from './defs/joining.js';
import { gatherDef, scatterAddDef } from './defs/indexing.js';
import { toDef } from './defs/device.js';
import { isDifferentiable, type DifferentiableOp, type OpDef, type OpId, type OpTable, type Saved } from './opdef.js';

/**
 * The op table: every op of nn, once, by its typed id. Its type (`OpTable`, a
 * mapped type over every `OpId`) makes the compiler prove that each op has an
 * entry, and each differentiable entry a forward, its saved values, a backward
 * and an explanation. Autograd runs the backward it finds here; explain prints
 * and checks the derivative it finds here. To add an op: its public function and
 * forward in the op module, one entry in defs/, one line here (see the README).
 */
export const opTable: OpTable = {
  ...binaryDefs,
  ...unaryDefs,
  ...compositeDefs,
  leakyRelu: leakyReluDef,
  elu: eluDef,
  gelu: geluDef,
  softplus: softplusDef,
  softmax: softmaxDef,
  logSoftmax: logSoftmaxDef,
  logsumexp: logsumexpDef,
  var: varDef,
  std: stdDef,
  cumsum: cumsumDef,
  clamp: clampDef,
  mm: mmDef,
  bmm: bmmDef,
  t: tDef,
  permute: permuteDef,
  reshape: reshapeDef,
  expand: expandDef,
  clone: cloneDef,
  slice: sliceDef,
  squeeze: squeezeDef,
  unsqueeze: unsqueezeDef,
  sliceScatter: sliceScatterDef,
  cat: catDef,
  flip: flipDef,
  repeat: repeatDef,
  gather: gatherDef,
  scatterAdd: scatterAddDef,
  sum: sumDef,
  mean: meanDef,
  amax: amaxDef,
  amin: aminDef,
  where: whereDef,
  maskedFill: maskedFillDef,
  to: toDef,
};

/**
 * The entry that a recorded node's backward and explanation come from, or undefined
 * for a node whose id has no differentiable entry (one built by hand in plain JS).
 */
export function ruleOf(node: GradNode): DifferentiableOp<OpId> | undefined {
  const def = Object.prototype.hasOwnProperty.call(opTable, node.id) ? (opTable[node.id] as OpDef<OpId>) : undefined;
  // Each entry takes the attrs its own id records; the node pairs them.
  return def && isDifferentiable(def) ? (def as unknown as DifferentiableOp<OpId>) : undefined;
}

/** The forward values a node's backward reads (`a`, `b`, `mask`, `output`), from its entry. */
export function savesOf(node: GradNode): readonly Saved[] {
  const rule = ruleOf(node);
  if (!rule) return [];
  return typeof rule.saves === 'function' ? rule.saves(node.attrs as never) : rule.saves;
}
