// @nn/onnx: models in and out of nn in the ONNX format.
export { onnx, encodeModel, decodeModel } from './proto.js';
