import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { StateError, DeviceError } from './errors.js';
import { getBackend, registerBackend, unregisterBackend } from './registry.js';
import { VERSION } from './version.js';

// A second copy of @nn/core notes itself under the same global key; here one is faked.
const KEY = Symbol.for('@nn/core');
type Copies = { version: string; url: string; devices: string[] }[];
const list = (): Copies => ((globalThis as { [KEY]?: Copies })[KEY] ??= []);
const fakeBackend = (device: string): Backend => ({ device }) as unknown as Backend;
const OTHER = { version: '0.0.9', url: 'file:///app/node_modules/@nn/layers/node_modules/@nn/core/dist/instance.js', devices: ['cpu'] };

afterEach(() => {
  const l = list();
  const at = l.indexOf(OTHER);
  if (at >= 0) l.splice(at, 1);
  unregisterBackend('instance-test');
});

describe('one copy of @nn/core', () => {
  it('VERSION is the version in package.json (scripts/version.mjs writes it at build)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('registering through the only copy works, and registering again is not a second copy', () => {
    registerBackend(fakeBackend('instance-test'));
    registerBackend(fakeBackend('instance-test'));
    expect(getBackend('instance-test').device).toBe('instance-test');
    expect(list().filter((c) => c.version === VERSION && c.devices.includes('instance-test'))).toHaveLength(1);
  });

  it('registerBackend with a second copy loaded throws a StateError naming both versions and the fix', () => {
    list().push(OTHER);
    const err = (() => {
      try {
        registerBackend(fakeBackend('instance-test'));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(StateError);
    expect(err!.message).toContain('registerBackend: two copies of @nn/core are loaded: 0.0.9 at file:///app/node_modules/@nn/layers/node_modules/@nn/core/dist/instance.js (backends registered there: cpu)');
    expect(err!.message).toContain(`and ${VERSION} at `);
    expect(err!.message).toContain('npm ls @nn/core');
    expect(err!.message).toContain('npm dedupe');
    expect(() => getBackend('instance-test')).toThrow(DeviceError);
  });

  it("a missing backend's DeviceError says that another copy holds the backends", () => {
    list().push(OTHER);
    expect(() => getBackend('instance-test', 'mm')).toThrow(
      /^mm: no backend is registered for device 'instance-test' \(registered: .*\); two copies of @nn\/core are loaded: 0\.0\.9 at .* \(backends registered there: cpu\)/,
    );
  });
});
