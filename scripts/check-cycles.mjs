// Import cycles in nn's sources, found by dependency-cruiser (tests/architecture
// runs it in `npm test`; `node scripts/check-cycles.mjs` prints them). A cycle of
// runtime imports makes module load order matter (a class is undefined where a
// module in the loop first reads it) and ties modules a reader should learn one
// at a time. Type-only imports (`import type`) are erased by TypeScript and
// cannot do either, so a loop closed only by them is allowed: Tensor's node
// names its op's entry, whose rules take Tensors, by type.
import { cruise } from 'dependency-cruiser';
import { fileURLToPath } from 'node:url';

/** Every package's and app's sources. */
export const SOURCES = ['packages/core/src', 'packages/cpu/src', 'packages/gpu/src', 'packages/layers/src', 'packages/explain/src', 'packages/data/src', 'apps/example/src', 'apps/bench/src', 'apps/playground/src'];

/**
 * The runtime import cycles among `paths` (relative to `cwd`): one entry per module
 * that closes a loop, as `from -> to: a > b > ... > from`.
 */
export async function findCycles(paths = SOURCES, cwd = fileURLToPath(new URL('..', import.meta.url))) {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const result = await cruise(
      paths,
      {
        tsPreCompilationDeps: true,
        exclude: { path: 'node_modules|/dist/' },
        doNotFollow: { path: 'node_modules' },
        validate: true,
        ruleSet: {
          forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } }],
        },
      },
      // Sources import './x.js' for './x.ts' (NodeNext).
      { extensionAlias: { '.js': ['.ts', '.js'] } },
    );
    const out = result.output;
    return {
      modules: out.summary.totalCruised,
      cycles: out.summary.violations.map((v) => `${v.from} -> ${v.to}: ${(v.cycle ?? []).map((c) => c.name ?? c).join(' > ')}`),
    };
  } finally {
    process.chdir(here);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { modules, cycles } = await findCycles();
  for (const c of cycles) console.log(c);
  console.log(`${modules} modules, ${cycles.length} import cycle${cycles.length === 1 ? '' : 's'}`);
  process.exit(cycles.length ? 1 : 0);
}
