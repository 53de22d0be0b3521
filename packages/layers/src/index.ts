export { Module } from './module.js';
export { type StateDictInput, type LoadStateDictOptions, type LoadStateDictResult } from './statedict.js';
export { saveNpz, loadNpz } from './npz.js';
export { saveSafetensors, loadSafetensors, safetensorsMetadata, type SaveSafetensorsOptions } from './safetensors.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU } from './relu.js';
export { Tanh, Sigmoid, GELU, LeakyReLU, Softmax, LogSoftmax, type GELUOptions } from './activation.js';
export { Flatten } from './flatten.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Sequential } from './sequential.js';
export { type Reduction } from './reduction.js';
export { MSELoss, mseLoss, type MSELossOptions } from './loss.js';
export {
  L1Loss, l1Loss, HuberLoss, huberLoss, SmoothL1Loss, smoothL1Loss, type L1LossOptions, type HuberLossOptions, type SmoothL1LossOptions,
} from './regression.js';
export {
  BCELoss, binaryCrossEntropy, BCEWithLogitsLoss, binaryCrossEntropyWithLogits, type BCELossOptions, type BCEWithLogitsLossOptions,
} from './bce.js';
export { CrossEntropyLoss, crossEntropy, NLLLoss, nllLoss, type CrossEntropyLossOptions, type NLLLossOptions } from './crossentropy.js';
export { Optimizer } from './optimizer.js';
export { type OptimizerStateDict, type ParamState } from './optimstate.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './clipgrad.js';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, type HasLearningRate } from './scheduler.js';
export { linearInitBound, uniform } from './init.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchnorm.js';
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from './embedding.js';
