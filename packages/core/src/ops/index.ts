export * from './elementwise.js';
export * from './linalg.js';
export * from './reduce.js';
export * from './select.js';
export * from './shape.js';
export * from './device.js';
export { sameDevice, sumToShape } from './record.js';
