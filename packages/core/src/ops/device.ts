import type { Device } from '../backend.js';
import { DeviceError } from '../errors.js';
import { getBackend } from '../registry.js';
import type { Tensor } from "../tensor.js";
import { result } from './record.js';
import { showValue } from '../validate.js';

// A device is named by a string; anything else would reach the registry as 'undefined'.
function checkDevice(op: string, device: unknown): void {
  if (typeof device !== 'string' || device.length === 0) {
    throw new DeviceError(op, `expected a device name such as 'cpu' or 'gpu', got ${showValue(device)}; write t.${op}('cpu')`);
  }
}

/** Copy to another device; the gradient is copied back. */
export function to(x: Tensor, device: Device): Tensor {
  checkDevice('to', device);
  if (device === x.device) return x;
  const src = x.backend('to');
  const dst = getBackend(device, 'to');
  if (!src.readSync) {
    throw new DeviceError('to', `device '${x.device}' (${src.info.runtime}) reads back only asynchronously; use \`await t.toAsync('${device}')\``);
  }
  const data = src.readSync(x.handle('to'));
  const from = x.device;
  return result('to', dst.fromArray(data, x.shape), [x], {
    attrs: { from, to: device },
    backward: (g) => [to(g, from)],
  });
}

/** Copy to another device, reading back asynchronously. */
export async function toAsync(x: Tensor, device: Device): Promise<Tensor> {
  checkDevice('toAsync', device);
  if (device === x.device) return x;
  const data = await x.data();
  const dst = getBackend(device, 'toAsync');
  const from = x.device;
  return result('to', dst.fromArray(data, x.shape), [x], {
    attrs: { from, to: device },
    backward: (g) => [to(g, from)],
  });
}

