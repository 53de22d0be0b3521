export type { Backend, BackendInfo, BackendStats, BinaryOp, Device, Handle, ReduceOp, UnaryOp, View } from './backend.js';
export { rowMajorView, isContiguous, isDense, permuteView, expandView, reshapeView, isRowMajor } from './view.js';
export { NNError, ShapeError, DeviceError, DTypeError, StateError, NumericError, FormatError, ArgumentError } from './errors.js';
export { broadcastShapes, broadcastStrides, fmtShape, reducedShape, sameShape, sizeOf, stridesOf, type Shape } from './shape.js';
export { registerBackend, unregisterBackend, getBackend, listDevices, setDefaultDevice, getDefaultDevice } from './registry.js';
export { manualSeed, initialSeed, Generator, defaultGenerator, randnArray, randArray } from './random.js';
export { Tensor, type Operand, type NestedArray } from './tensor.js';
export { INT32_EXACT_LIMIT, dtypeRuleOf, type DType, type DTypeRule } from './dtype.js';
export type { GradNode } from './node.js';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, randn, rand, randnLike, randLike, randint, randperm, arange, linspace, eye,
  type TensorOptions, type RandomOptions, type TensorData,
} from './creation.js';
export { noGrad, enableGrad, isGradEnabled, checkNumerics, isCheckingNumerics } from './state.js';
export { scope, keep, dispose, memory } from './memory.js';
export {
  checkShape, checkDim, checkTensor, checkOperand, checkArg, checkOptions, showValue, oneOf, numberIn,
  isBoolean, isName, isNumber, MAX_ELEMENTS, type OptionRule,
} from './validate.js';
export { topoOrder } from './autograd.js';
export { parseNpy, encodeNpy, loadNpy, saveNpy, type NpyArray } from './npy.js';
export {
  add, sub, mul, div, pow, neg, exp, log, sqrt, abs, tanh, sigmoid, relu, sin, cos, clamp, maximum, minimum, compare,
  mm, matmul, bmm, matmulT, t, transpose, permute, reshape, expand, clone, sum, mean, amax, amin, argmax, argmin, oneHot, where, maskedFill, to, toAsync,
} from './ops/index.js';
export {
  narrow, slice, squeeze, unsqueeze, flatten, split, chunk, sliceScatter, cat, stack, flip, repeat, gather, indexSelect, scatterAdd,
  type IndexLike,
} from './ops/index.js';
export {
  log1p, expm1, erf, sign, floor, ceil, round, reciprocal, rsqrt, square, leakyRelu, elu, gelu, softplus,
  softmax, logSoftmax, logsumexp, variance, var, std, cumsum, type VarOptions,
} from './ops/index.js';
export { sumToShapeChecked as sumToShape } from './ops/record.js';
export { UNARY_IDS, type UnaryId } from './ops/elementwise.js';
// The op table, read-only, for tools that read what autograd records (@nn/explain prints each
// op's explanation from the same entry whose backward autograd runs).
export { opTable, ruleOf, savesOf } from './ops/table.js';
export {
  isDifferentiable,
  type OpId, type OpAttrs, type OpDef, type OpTable, type DifferentiableOp, type NonDifferentiableOp, type Saved,
  type ExplainRule, type ExplainContext, type Symbols, type BackwardContext, type Forward,
} from './ops/opdef.js';
// Tensor's fluent methods (x.mm(w)) come from the ops side: installed here, once, at
// import (package.json lists this file under sideEffects). Exporting installMethods
// also carries methods.ts's type declarations (declaration merging) to users.
import { installMethods } from './methods.js';
export { installMethods } from './methods.js';
installMethods();
