import { listDevices, randperm, type Device, type Generator, type Tensor } from '@nn/core';

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

/** @internal A permutation of 0..n-1 from core's `randperm` with `generator` (default: the global one), as numbers. */
export function permutation(n: number, generator: Generator | undefined, fallback?: Device): number[] {
  const perm = drawn(n, generator, hostDevice(fallback));
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
