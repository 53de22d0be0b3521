import type { OpId } from './ops/opdef.js';
import type { Tensor } from './tensor.js';

/**
 * One recorded op in the autograd graph: what produced a tensor, from what,
 * and how to send a gradient back to each input.
 */
export interface GradNode {
  /** The op's typed id: its entry in the op table (ops/table.ts) holds its backward and its explanation. */
  readonly id: OpId;
  /** The op's name as the user called it (`mm`, `matmul`, `Linear`, `max`, ...). */
  readonly op: string;
  /** The tensors the op read, in argument order. */
  readonly inputs: readonly Tensor[];
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
}
