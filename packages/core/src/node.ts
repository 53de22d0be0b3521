import type { Tensor } from './tensor.js';

/**
 * One recorded op in the autograd graph: what produced a tensor, from what,
 * and how to send a gradient back to each input.
 */
export interface GradNode {
  /** The op's name as the user called it (`mm`, `clamp`, `sub`, ...). */
  readonly op: string;
  /** The tensors the op read, in argument order. */
  readonly inputs: readonly Tensor[];
  /** Gradient for each input given the output's gradient (null where an input gets none). */
  readonly backward: (grad: Tensor) => (Tensor | null)[];
  /**
   * Versions of the inputs when recorded: an in-place change to a saved one after that makes
   * backward wrong. The output's version at creation is always 0, so it needs no entry.
   */
  readonly versions: readonly number[];
  /**
   * Set when a backward() without `retainGraph` has run through this node: its saved values
   * count as freed, as in PyTorch, and a second backward through it is refused.
   */
  released: boolean;
  /** Op settings worth showing (scalar operands, transposes, clamp bounds, axes). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Which forward values the backward reads (`inputs[i]`, `output`): the answer to "why is h_relu used again?". */
  readonly saves: readonly string[];
}
