export { graph, type Graph, type GraphNode, type GraphEdge, type GraphOptions, type GraphView } from './graph.js';
export { explainGradient, explainGradientAsync, formatExplanation, type GradientExplanation, type GradientStep, type SavedRead } from './gradient.js';
export { ExplainError } from './symbolic.js';
export { toMermaid } from './mermaid.js';
export { toDot } from './dot.js';
export { toSvg } from './svg.js';
export { lossPlotSvg, type LossRun, type LossPlotOptions } from './plot.js';
export { HealthMonitor, type HealthSample, type HealthFinding, type HealthOptions } from './diagnose.js';
export type { IndexDerivation, IndexCheck } from './derivation.js';
