export { gradcheck, assertGradcheck, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { conformanceCases, type ConformanceCase, type ConformanceContext } from './conformance.js';
export { assertClose, assertShape, assertThrows, maxAbsDiff, type Tolerance } from './assert.js';
