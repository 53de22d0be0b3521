import { StateError } from './errors.js';
import { VERSION } from './version.js';

// Backends live in a module-level registry, so two copies of @nn/core in one
// program (npm nests a second copy when versions drift) have two registries: a
// backend registered through one is invisible to tensors made by the other.
// Each copy notes itself under one global key when it first registers a backend,
// so the other copy can say what happened instead of "no backend is registered".
// Nothing runs at import. A copy is its version and module URL: the same copy
// evaluated again (a test runner, hot reload) is not a second one.

/** One loaded copy of @nn/core and the devices registered through it. */
export interface CoreCopy {
  version: string;
  url: string;
  devices: string[];
}

const KEY = Symbol.for('@nn/core');
const self: CoreCopy = { version: VERSION, url: typeof import.meta.url === 'string' ? import.meta.url : '(bundled)', devices: [] };
const isSelf = (c: CoreCopy): boolean => c.version === self.version && c.url === self.url;

function copies(): CoreCopy[] {
  const g = globalThis as { [KEY]?: CoreCopy[] };
  return (g[KEY] ??= []);
}

const describe = (c: CoreCopy): string =>
  `${c.version} at ${c.url}${c.devices.length ? ` (backends registered there: ${c.devices.join(', ')})` : ''}`;

const fix = (other: CoreCopy): string =>
  other.version === self.version
    ? 'Run `npm dedupe` (or delete node_modules and the lockfile, then install again) so that one copy is installed'
    : `Give every @nn/* package one @nn/core version (${other.version} and ${self.version} are installed; \`npm ls @nn/core\` shows which package pulls which), then run \`npm dedupe\``;

/** The message for two copies of @nn/core, or null while this is the only one that registered backends. */
export function secondCopyMessage(): string | null {
  const other = copies().find((c) => !isSelf(c));
  if (!other) return null;
  return (
    `two copies of @nn/core are loaded: ${describe(other)}, and ${describe({ ...self, devices: mine().devices })}; ` +
    `each keeps its own backends, so tensors of one never see the other's. ${fix(other)}`
  );
}

function mine(): CoreCopy {
  return copies().find(isSelf) ?? self;
}

/** Note that this copy registered a backend for `device`; a StateError if another copy of @nn/core registered first. */
export function claimDevice(op: string, device: string): void {
  const message = secondCopyMessage();
  if (message) throw new StateError(op, message);
  const list = copies();
  let me = list.find(isSelf);
  if (!me) list.push((me = { ...self, devices: [] }));
  if (!me.devices.includes(device)) me.devices.push(device);
}
