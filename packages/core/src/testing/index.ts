export { gradcheck, gradcheckAsync, assertGradcheck, assertGradcheckAsync, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { conformanceCases, gradCases, type GradCase, type ConformanceCase, type ConformanceContext } from './conformance.js';
export { assertClose, assertShape, assertThrows, maxAbsDiff, type Tolerance } from './assert.js';
export { seedNet, seedForwardBackward, seedStep, type SeedNet, type SeedNetOptions } from './seed.js';
export {
  applyNode, runGraph, printGraph, encodeNumbers, decodeNumbers, nodeInputs, unaryOps, binaryOps,
  type GraphSpec, type GraphNode, type GraphLeaf, type GraphRef, type GraphCmp, type GraphResult,
} from './graph.js';
export { graphFromChoices, edgeValues } from './graphGen.js';
export { evaluateReference, ieeePow } from './reference64.js';
export { checkGraph, compareGraphResult, type GraphTolerance } from './graphCheck.js';
export { leakChecked } from './leaks.js';
// This entry works without the main one: it installs Tensor's methods too (idempotent).
import { installMethods } from '../methods.js';
installMethods();
