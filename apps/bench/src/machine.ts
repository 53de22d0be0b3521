import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import type { Results } from './report.js';

/** The machine the bench ran on: CPU model (with its widest SIMD), cores, memory, Node and OS. */
export function machine(): Results['machine'] {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) cpu = m[1]!.trim();
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    cpu += /\bavx512f\b/.test(flags) ? ' (AVX-512)' : /\bavx2\b/.test(flags) ? ' (AVX2, no AVX-512)' : '';
  } catch {
    // lscpu or /proc missing: keep Node's model string
  }
  return { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.versions.node, os: `${type()} ${release()}` };
}
