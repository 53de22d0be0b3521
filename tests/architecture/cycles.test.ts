import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { findCycles } from '../../scripts/check-cycles.mjs';

// No module of any package or app imports itself back at runtime (dependency-cruiser).
describe('import cycles', () => {
  it('none in core, cpu, gpu, layers, explain, data and the apps', async () => {
    const { modules, cycles } = await findCycles();
    expect(modules).toBeGreaterThan(100);
    expect(cycles, `import cycles (see scripts/check-cycles.mjs):\n${cycles.join('\n')}`).toEqual([]);
  }, 120_000);

  it('the check reports a cycle of runtime imports (a deliberate one in fixtures/cycle)', async () => {
    const { cycles } = await findCycles(['tests/architecture/fixtures/cycle']);
    expect(cycles.length).toBeGreaterThan(0);
    expect(cycles.join('\n')).toMatch(/fixtures\/cycle\/(a|b)\.ts -> tests\/architecture\/fixtures\/cycle\/(b|a)\.ts/);
  }, 60_000);

  it('a loop closed only by type imports is allowed (erased at runtime)', async () => {
    const { modules, cycles } = await findCycles(['tests/architecture/fixtures/type-only']);
    expect(modules).toBe(2);
    expect(cycles).toEqual([]);
  }, 60_000);
});
