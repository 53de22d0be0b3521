import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '@nn/core';

/** One timed run reported by python/peers.py. */
export interface PythonRun {
  peer: 'pytorch' | 'numpy';
  workload: string;
  steps: number;
  best: number;
  median: number;
  losses: number[];
}

/** What python/peers.py prints. */
export interface PythonReport {
  python: string;
  numpy: string;
  torch?: string;
  runs: PythonRun[];
  skipped: Record<string, string>;
  blas: { libraries: string[]; openblas_core?: string; openblas_config?: string; openblas_threads?: number };
}

/** A run to ask for. */
export interface PythonJob {
  peer: 'pytorch' | 'numpy';
  workload: string;
  steps?: number;
  lr?: number;
  /** W6's batch size. */
  batch?: number;
  reps: number;
}

export const PYTHON = '/usr/bin/python3';
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

/** Why the Python peers cannot run here, or null when they can. */
export function pythonUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'pipe' });
  } catch {
    return `${PYTHON} has no numpy (apt install python3-numpy)`;
  }
  return null;
}

/** Write one float32 array as DIR/NAME.npy for the Python side. */
export function writeNpy(dir: string, name: string, data: Float32Array, shape: number[]): void {
  writeFileSync(join(dir, `${name}.npy`), encodeNpy(data, shape));
}

/**
 * Run python/peers.py on one thread with OpenBLAS (the pthread build, which
 * Debian's PyTorch otherwise misses for the reference BLAS).
 */
export function runPython(dataDir: string, jobs: PythonJob[]): PythonReport {
  const script = fileURLToPath(new URL('../python/peers.py', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
  if (existsSync(OPENBLAS)) env.LD_LIBRARY_PATH = OPENBLAS + (env.LD_LIBRARY_PATH ? `:${env.LD_LIBRARY_PATH}` : '');
  // OpenBLAS 0.3.21 misdetects some AVX-512 CPUs; name the core only where AVX-512 exists
  // (forcing SkylakeX elsewhere dies with an illegal instruction). Elsewhere it detects itself.
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  if (/\bavx512f\b/.test(cpuinfo)) env.OPENBLAS_CORETYPE = 'SkylakeX';
  const out = execFileSync(PYTHON, [script, dataDir, JSON.stringify({ runs: jobs })], { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as PythonReport;
}
