export { gradcheck, gradcheckAsync, assertGradcheck, assertGradcheckAsync, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { conformanceCases, gradCases, type GradCase, type ConformanceCase, type ConformanceContext } from './conformance.js';
export { assertClose, assertShape, assertThrows, maxAbsDiff, type Tolerance } from './assert.js';
export { seedNet, seedForwardBackward, seedStep, type SeedNet } from './seed.js';
