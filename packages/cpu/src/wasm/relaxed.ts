import { nodeBuiltin } from '../node-builtin.js';
import { hasRelaxedSimd } from './arena.js';

// Relaxed SIMD gives gemm a fused multiply-add (f32x4.relaxed_madd), which
// halves the inner loop's instructions. Chrome and Edge 114+ and Node 22+
// ship it; Node 20's V8 has it behind --experimental-wasm-relaxed-simd. That
// flag is process-wide, so the backend sets it only when asked (fma: 'on'),
// never by default.

/** How gemm multiplies and adds: `auto` (default) uses relaxed SIMD where the engine has it. */
export type FmaChoice = 'auto' | 'on' | 'off';

/** Which build to load, and the words `info.note` uses for it. */
export interface RelaxedChoice {
  relaxed: boolean;
  /** Why the plain SIMD build runs, when it does. */
  why: string;
}

const NODE_FLAG = '--experimental-wasm-relaxed-simd';

/** Node ≤ 21 keeps relaxed SIMD behind a V8 flag that can be set at run time (before a module needs it). */
function enableNodeFlag(): boolean {
  const v8 = nodeBuiltin<{ setFlagsFromString?: (flags: string) => void }>('node:v8');
  if (!v8?.setFlagsFromString) return false;
  v8.setFlagsFromString(NODE_FLAG);
  return hasRelaxedSimd();
}

/** Resolve the `fma` option against what this engine offers. */
export function chooseRelaxed(fma: FmaChoice): RelaxedChoice {
  if (fma === 'off') return { relaxed: false, why: "fma: 'off' asked for it" };
  if (hasRelaxedSimd()) return { relaxed: true, why: '' };
  if (fma === 'on') {
    if (enableNodeFlag()) return { relaxed: true, why: '' };
    throw new Error(
      "@nn/cpu: fma: 'on' needs WebAssembly relaxed SIMD, which this engine lacks (Chrome and Edge 114+ and Node 22+ have it; " +
        `Node 20 has it behind ${NODE_FLAG}); use fma: 'auto' to run plain SIMD here`,
    );
  }
  return {
    relaxed: false,
    why: `this engine has no WebAssembly relaxed SIMD (Node 20: run node ${NODE_FLAG}, or pass fma: 'on')`,
  };
}
