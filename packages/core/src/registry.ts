import type { Backend, Device } from './backend.js';
import { DeviceError } from './errors.js';
import { prepareConstants } from './ops/constant.js';
import { claimDevice, secondCopyMessage } from './instance.js';

const backends = new Map<Device, Backend>();
let defaultDevice: Device = 'cpu';

/** Make a backend available under its device name; nn registers nothing by itself. */
export function registerBackend(backend: Backend): void {
  claimDevice('registerBackend', backend.device);
  backends.set(backend.device, backend);
  // Core's one cached buffer per backend (ops/constant.ts) is made now, so that it exists
  // before any live-buffer count is taken. A stand-in without kernels (a test's fake
  // backend) is left alone; a real one would make it on first use anyway.
  if (typeof backend.fromArray === 'function') prepareConstants(backend);
}

/** Remove a backend (e.g. to swap implementations in tests); its buffers are its own business. */
export function unregisterBackend(device: Device): void {
  backends.delete(device);
}

/** The backend registered for a device, or a DeviceError that says how to register one. */
export function getBackend(device: Device, op = 'device'): Backend {
  const b = backends.get(device);
  if (!b) {
    const known = [...backends.keys()];
    const hint =
      device === 'gpu'
        ? `install @nn/gpu and gpu.js, then call registerBackend(await createGpuBackend())`
        : device === 'cpu'
          ? `install @nn/cpu and call registerBackend(createCpuBackend())`
          : `register a backend for '${device}' with registerBackend()`;
    const twoCopies = secondCopyMessage();
    throw new DeviceError(
      op,
      `no backend is registered for device '${device}' (registered: ${known.length ? known.join(', ') : 'none'}); ` +
        (twoCopies ?? hint),
    );
  }
  return b;
}

/** Devices with a registered backend. */
export function listDevices(): Device[] {
  return [...backends.keys()];
}

/** Device used by factories when no `device` option is given. */
export function setDefaultDevice(device: Device): void {
  getBackend(device, 'setDefaultDevice');
  defaultDevice = device;
}

/** The current default device. */
export function getDefaultDevice(): Device {
  return defaultDevice;
}
