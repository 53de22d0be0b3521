import { fileURLToPath } from 'node:url';

/** The workloads of docs/bench.md. */
export const ALL = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'] as const;

/** The command line of `npm run bench`. */
export interface Args {
  only: Set<string>;
  quick: boolean;
  out: string;
  /** The nn gpu rows (W1 and small products on headless-gl and Dawn); off with --no-gpu-rows. */
  gpuRows: boolean;
}

/** `--only W1,W4`, `--quick`, `--out DIR`, `--no-gpu-rows`, `--help`; an unknown flag is an error that says to try --help. */
export function parseArgs(argv: string[]): Args {
  const args: Args = { only: new Set(ALL), quick: false, out: fileURLToPath(new URL('../results', import.meta.url)), gpuRows: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const bad = list.filter((w) => !(ALL as readonly string[]).includes(w));
      if (bad.length || !list.length) throw new Error(`--only takes a comma-separated list of ${ALL.join(', ')}; got '${argv[i] ?? ''}'`);
      args.only = new Set(list);
    } else if (a === '--out') args.out = argv[++i]!;
    else if (a === '--no-gpu-rows') args.gpuRows = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--only W1,W4] [--quick] [--out DIR] [--no-gpu-rows]');
      process.exit(0);
    } else throw new Error(`unknown flag ${a}; try --help`);
  }
  return args;
}
