/**
 * The messages between the seed-net page and its cpu trainer in a Web Worker.
 * Plain data only: everything here crosses postMessage's structured clone, and
 * the matrices travel as transferred Float32Arrays (moved, not copied).
 */
import type { DeviceChoice, NetKind, Style } from '../config.js';
import type { Explained } from '../nets/explain-data.js';
import type { HealthReading } from '../nets/health.js';

/** Page → worker. One command at a time: the page waits for its answer (built, stopped, explained) before the next, except pause. */
export type ToSeed =
  | { type: 'build'; net: NetKind; style: Style; device: DeviceChoice; seed: number; lr: number }
  | { type: 'train'; target: number }
  | { type: 'pause' }
  | { type: 'explain'; weight: string };

/** One weight as built: its name in the code and its shape. */
export interface WeightInfo {
  name: string;
  shape: number[];
}

/** A weight and its last gradient, read back for the heatmaps. */
export interface HeatData {
  /** Index into the built weights. */
  index: number;
  value: Float32Array;
  /** Null before the first step. */
  grad: Float32Array | null;
}

/** @nn/core's memory() counters of the worker's cpu device. */
export interface Traffic {
  buffers: number;
  kernels: number;
  compiles: number;
  readbacks: number;
}

/** Worker → page. */
export type FromSeed =
  /** A fresh net: its weights, what runs (the nn device, backend.info), and the heatmaps at step 0 (no gradient yet). */
  | { type: 'built'; weights: WeightInfo[]; device: string; runtime: string; note: string; fallback: boolean; asyncRead: boolean; heat: HeatData[] }
  /** The answer to a build when gpu.js cannot open the gpu mode in a worker: the page then trains that mode itself. */
  | { type: 'gpu-unavailable'; reason: string }
  /** Losses of steps `from`+1 … `from`+losses.length, in order (a cpu slice; a gpu slice reads back only its last step's: one loss). */
  | { type: 'losses'; from: number; losses: number[]; traffic?: Traffic }
  | { type: 'heat'; heat: HeatData }
  | { type: 'health'; reading: HealthReading }
  /** A train command has stopped at step `t`: the target reached, a pause, or a non-finite loss. */
  | { type: 'stopped'; t: number }
  | { type: 'explained'; explained: Explained }
  | { type: 'error'; message: string };
