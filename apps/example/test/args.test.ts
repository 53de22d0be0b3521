import { describe, expect, it } from 'vitest';
import { FLAGS, helpText, parseArgs, toOptions, UsageError } from '../src/args.js';

describe('args', () => {
  it('defaults: both nets, manual, cpu, 500 steps, per-net lr, seed 0, log every 100', () => {
    expect(toOptions(parseArgs([]))).toMatchObject({ nets: [2, 3], style: 'manual', device: 'cpu', steps: 500, lr: undefined, seed: 0, logEvery: 100, json: false });
  });

  it('reads --flag value, --flag=value and bare booleans', () => {
    const o = toOptions(parseArgs(['--net=3', '--style', 'layers', '--lr', '1e-7', '--steps=9', '--json', '--device', 'gpu', '--allow-fallback']));
    expect(o).toMatchObject({ nets: [3], style: 'layers', lr: 1e-7, steps: 9, json: true, device: 'gpu', allowFallback: true });
  });

  it('--data decides the net unless --net contradicts it', () => {
    expect(toOptions(parseArgs(['--data', 'd']), 3).nets).toEqual([3]);
    expect(() => toOptions(parseArgs(['--data', 'd', '--net', '2']), 3)).toThrow(UsageError);
  });

  it('every flag in the table appears in --help', () => {
    const help = helpText();
    for (const f of FLAGS) expect(help).toContain(`--${f.name}`);
  });
});
