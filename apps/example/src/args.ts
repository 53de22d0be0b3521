/**
 * The command line, table-driven: every flag is one row of FLAGS (name, kind,
 * help). To add a flag, add a row here and a field to `Options` + `toOptions`.
 */
import { checkOutputName } from './explain-cli.js';

/** A mistake the user can fix (bad flag, missing file...): main prints it on one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How a flag's value is read. */
type FlagKind = 'boolean' | 'int' | 'number' | 'string' | 'choice';

/** One row of the flag table. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly help: string;
  /** Placeholder shown in --help (e.g. N, DIR). */
  readonly metavar?: string;
  /** Allowed values of a 'choice' flag. */
  readonly choices?: readonly string[];
  /** Smallest allowed value of an 'int' or 'number' flag. */
  readonly min?: number;
  /** Whether 0 is excluded for numbers (e.g. --lr must be > 0). */
  readonly positive?: boolean;
}

/** Every flag the example understands. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'task', kind: 'choice', choices: ['digits', 'moons'], help: 'instead of the seed program: train an MLP classifier on the 8×8 handwritten digits (64 → 64 → 10) or two moons (2 → 64 → 2) with @nn/data, CrossEntropyLoss and Adam' },
  { name: 'epochs', kind: 'int', min: 1, metavar: 'N', help: 'with --task: epochs (default 15)' },
  { name: 'batch-size', kind: 'int', min: 1, metavar: 'B', help: 'with --task: samples per batch (default 64)' },
  { name: 'net', kind: 'choice', choices: ['2', '3'], help: 'two-layer net (the seed program) or three-layer net (default: both, one after the other)' },
  { name: 'style', kind: 'choice', choices: ['manual', 'autograd', 'layers'], help: 'hand-written backprop, autograd, or @nn/layers + SGD (default manual)' },
  { name: 'device', kind: 'choice', choices: ['cpu', 'gpu'], help: 'where tensors live (default cpu); gpu needs @nn/gpu and gpu.js' },
  { name: 'gpu-mode', kind: 'choice', choices: ['auto', 'headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'], metavar: 'MODE', help: 'gpu.js backend to ask for with --device gpu: auto (default), headlessgl, webgl2, webgl, webgpu, webasm, cpu' },
  { name: 'allow-fallback', kind: 'boolean', help: 'with --device gpu, accept a gpu.js fallback (WebAssembly or JS) instead of failing' },
  { name: 'steps', kind: 'int', min: 1, metavar: 'N', help: 'training steps (default 500)' },
  { name: 'lr', kind: 'number', positive: true, metavar: 'X', help: 'learning rate (default 1e-6 for --net 2, 1e-8 for --net 3)' },
  { name: 'seed', kind: 'int', min: 0, metavar: 'S', help: 'seed of the random x, y and weights (default 0)' },
  { name: 'log-every', kind: 'int', min: 1, metavar: 'K', help: 'print the loss when t % K == K - 1 (default 100)' },
  { name: 'data', kind: 'string', metavar: 'DIR', help: 'start from DIR/x.npy y.npy w1.npy w2.npy [w3.npy] instead of random values (with --task digits: DIR/init.npz train.npy test.npy orders.npy)' },
  { name: 'explain', kind: 'boolean', help: 'before training, print each chain-rule path from the loss to every weight, the manual formula and its difference from autograd' },
  { name: 'graph', kind: 'string', metavar: 'FILE', help: 'write the forward and backward graphs: FILE.svg|.dot|.mmd gives FILE-forward.EXT and FILE-backward.EXT (FILE-two-layer-forward.EXT... when both nets run)' },
  { name: 'plot', kind: 'string', metavar: 'FILE', help: 'write the loss at every step as an SVG chart (FILE.svg), one line per net' },
  { name: 'export', kind: 'string', metavar: 'FILE', help: 'with --task: after training, write the MLP as ONNX to FILE (e.g. model.onnx) for ONNX Runtime or PyTorch (docs/models.md)' },
  { name: 'json', kind: 'boolean', help: 'print one JSON object on stdout instead of text' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

/** Parsed values by flag name (absent when not given). */
export type RawArgs = Record<string, string | number | boolean>;

function findFlag(name: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === name);
}

// Edit distance, to suggest the flag the user probably meant.
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function unknown(name: string): UsageError {
  const best = [...FLAGS].sort((x, y) => distance(name, x.name) - distance(name, y.name))[0]!;
  const hint = distance(name, best.name) <= 3 ? ` (did you mean --${best.name}?)` : '';
  return new UsageError(`unknown flag --${name}${hint}; see --help`);
}

function convert(spec: FlagSpec, text: string): string | number | boolean {
  const bad = (what: string): UsageError => new UsageError(`--${spec.name} ${JSON.stringify(text)}: ${what}`);
  switch (spec.kind) {
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw bad('expected true or false');
    case 'choice':
      if (!spec.choices!.includes(text)) throw bad(`expected one of ${spec.choices!.join(', ')}`);
      return text;
    case 'int': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n)) throw bad('expected a whole number');
      if (spec.min !== undefined && n < spec.min) throw bad(`expected a number >= ${spec.min}`);
      return n;
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw bad('expected a number, e.g. 1e-6');
      if (spec.positive && !(n > 0)) throw bad('expected a number > 0');
      return n;
    }
    case 'string':
      if (text === '') throw bad('expected a value');
      return text;
  }
}

/** Parse `--flag value`, `--flag=value` and bare boolean `--flag`; throws UsageError on anything else. */
export function parseArgs(argv: readonly string[]): RawArgs {
  const out: RawArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; flags look like --name value (see --help)`);
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = findFlag(name);
    if (!spec) throw unknown(name);
    if (name in out) throw new UsageError(`--${name} given twice`);
    let text: string;
    if (eq >= 0) text = arg.slice(eq + 1);
    else if (spec.kind === 'boolean') text = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}; see --help`);
      text = next;
      i++;
    }
    out[name] = convert(spec, text);
  }
  return out;
}

/** The help text, generated from the table. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const value = f.kind === 'boolean' ? '' : ` ${f.metavar ?? f.choices?.join('|') ?? 'VALUE'}`;
    return [`  --${f.name}${value}`, f.help] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    'nn example: the PyTorch seed program (a two-layer net with hand-written backprop) and its three-layer extension.',
    '',
    'usage: npm run example -- [flags]        (or: node apps/example/dist/main.js [flags])',
    '',
    'With no flags: the two-layer then the three-layer manual loop on cpu, each followed by a',
    'check of the manual gradients against autograd. --task digits|moons trains a classifier instead.',
    '',
    'flags:',
    ...rows.map(([l, h]) => l.padEnd(width) + h),
    '',
    'exit status: 0 ok, 1 a gradient check or the run failed, 2 a usage error (bad flag, missing or malformed file).',
  ].join('\n');
}

/** Everything a run needs, with defaults filled in. */
export interface Options {
  /** Nets to run, in order: [2, 3] when --net is not given (and no --data says which). */
  nets: (2 | 3)[];
  style: 'manual' | 'autograd' | 'layers';
  device: 'cpu' | 'gpu';
  gpuMode: 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu' | 'webasm' | 'cpu';
  allowFallback: boolean;
  steps: number;
  /** Explicit learning rate, or undefined for each net's default. */
  lr: number | undefined;
  seed: number;
  logEvery: number;
  data: string | undefined;
  /** --explain, --graph FILE, --plot FILE (see explain-cli.ts). */
  explain: boolean;
  graph: string | undefined;
  plot: string | undefined;
  json: boolean;
  help: boolean;
}

/** Turn parsed flags into Options, checking combinations. `dataNet` is the net the --data files describe, if known. */
export function toOptions(raw: RawArgs, dataNet?: 2 | 3): Options {
  const net = raw.net === undefined ? undefined : (Number(raw.net) as 2 | 3);
  if (net !== undefined && dataNet !== undefined && net !== dataNet) {
    throw new UsageError(`--net ${net} but --data ${raw.data} holds the weights of a ${dataNet}-layer net (${dataNet === 3 ? 'w3.npy is present' : 'no w3.npy'})`);
  }
  if (raw['gpu-mode'] !== undefined && raw.device !== 'gpu') throw new UsageError('--gpu-mode only makes sense with --device gpu');
  if (raw['allow-fallback'] !== undefined && raw.device !== 'gpu') throw new UsageError('--allow-fallback only makes sense with --device gpu');
  for (const flag of ['epochs', 'batch-size', 'export'] as const) {
    if (raw[flag] !== undefined) throw new UsageError(`--${flag} only makes sense with --task digits or --task moons`);
  }
  for (const flag of ['graph', 'plot'] as const) {
    const bad = typeof raw[flag] === 'string' ? checkOutputName(flag, raw[flag]) : null;
    if (bad) throw new UsageError(bad);
  }
  return {
    nets: net !== undefined ? [net] : dataNet !== undefined ? [dataNet] : [2, 3],
    style: (raw.style as Options['style']) ?? 'manual',
    device: (raw.device as Options['device']) ?? 'cpu',
    gpuMode: (raw['gpu-mode'] as Options['gpuMode']) ?? 'auto',
    allowFallback: (raw['allow-fallback'] as boolean) ?? false,
    steps: (raw.steps as number) ?? 500,
    lr: raw.lr as number | undefined,
    seed: (raw.seed as number) ?? 0,
    logEvery: (raw['log-every'] as number) ?? 100,
    data: raw.data as string | undefined,
    explain: (raw.explain as boolean) ?? false,
    graph: raw.graph as string | undefined,
    plot: raw.plot as string | undefined,
    json: (raw.json as boolean) ?? false,
    help: (raw.help as boolean) ?? false,
  };
}
