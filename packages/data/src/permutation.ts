import { StateError, getBackend, listDevices, randperm, type Device, type Generator, type Tensor } from '@nn/core';

/**
 * @internal Where a permutation is drawn: the cpu backend when one is registered, so that
 * nothing moves on the data's device; else `fallback` (read back from there).
 */
export function hostDevice(fallback: Device | undefined): Device {
  if (listDevices().includes('cpu')) return 'cpu';
  return fallback ?? listDevices()[0] ?? 'cpu';
}

// randperm through core (the same numbers on every device), as host numbers.
function drawn(n: number, generator: Generator | undefined, device: Device): Tensor {
  return randperm(n, { ...(generator ? { generator } : {}), device });
}

/**
 * @internal A permutation of 0..n-1 from core's `randperm` with `generator` (default: the global one), as numbers,
 * read synchronously; `fix` says what to do where the device reads only asynchronously.
 */
export function permutation(op: string, n: number, generator: Generator | undefined, fallback: Device | undefined, fix: string): number[] {
  const device = hostDevice(fallback);
  if (!getBackend(device, op).readSync) {
    throw new StateError(op, `the shuffle's permutation is drawn on '${device}', which reads only asynchronously (no 'cpu' backend is registered); ${fix}`);
  }
  const perm = drawn(n, generator, device);
  try {
    return Array.from(perm.dataSync());
  } finally {
    perm.dispose();
  }
}

/** @internal `permutation`, read asynchronously (for a device that reads only so: WebGPU). */
export async function permutationAsync(n: number, generator: Generator | undefined, fallback?: Device): Promise<number[]> {
  const perm = drawn(n, generator, hostDevice(fallback));
  try {
    return Array.from(await perm.data());
  } finally {
    perm.dispose();
  }
}
