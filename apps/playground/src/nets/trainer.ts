import type { Tensor } from '@nn/core';

/** A weight as the page shows it: its name in the code, the tensor, and its latest gradient. */
export interface WeightView {
  /** The name the training code uses (`w1`, `0.weight`). */
  readonly name: string;
  /** The weight tensor (updated in place by every step). */
  readonly value: Tensor;
  /** The gradient of the last step, or null before the first step. */
  grad(): Tensor | null;
}

/** A recorded forward pass for the explain panel: the loss and the leaves to explain. */
export interface ExplainTarget {
  readonly loss: Tensor;
  readonly weights: readonly Tensor[];
  /** Free every tensor made for the explanation. */
  dispose(): void;
}

/** One net in one style on one device: owns its tensors and runs one training step at a time. */
export interface Trainer {
  /** The weights, in the order of the code (w1, w2[, w3]). */
  readonly weights: readonly WeightView[];
  /** Learning rate used by the next step. */
  lr: number;
  /** Run exactly one step; returns that step's loss as a tensor (the caller disposes it). Reads nothing back. */
  step(): Tensor;
  /** Run the forward pass once more with autograd recording on, with the current weights, for the graphs. */
  explain(): ExplainTarget;
  /**
   * The same forward written with plain tensor ops, for explain tools that do
   * not know an op of explain()'s graph (nn.Linear's fused product); the note
   * says what was rewritten.
   */
  explainEquivalent?(): ExplainTarget & { note: string };
  /** What the explain panel should say about how the graph names this style's code, if anything. */
  readonly explainNote?: string;
  /** The ReLU layers' outputs at the current weights, input side first, recorded by no autograd; the caller disposes them. */
  relus(): Tensor[];
  /** Free every tensor the trainer holds. */
  dispose(): void;
}

/** The data every style trains on: x and y from randn. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
}
