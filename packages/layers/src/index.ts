export { Module } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU } from './relu.js';
export { Sequential } from './sequential.js';
export { MSELoss, type MSELossOptions, type Reduction } from './loss.js';
export { Optimizer } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { linearInitBound, uniform } from './init.js';
