// @nn/onnx: models in and out of nn in the ONNX format.
export { onnx, encodeModel, decodeModel } from './proto.js';
export { importOnnx, type ImportOnnxOptions } from './import.js';
export { OnnxModule, type OnnxInputInfo, type OnnxGraphPlan } from './graph-module.js';
export { exportOnnx, OPSET_MIN, OPSET_MAX, type ExportOnnxOptions, type OnnxExportable } from './export.js';
