import type { Device } from '../backend.js';
import { DeviceError } from '../errors.js';
import { getBackend } from '../registry.js';
import type { Tensor } from "../tensor.js";
import type { Forward } from './opdef.js';
import { record } from './record.js';
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
  const attrs = { from: x.device, to: device };
  return record('to', toForward(src, [x.handle('to')], attrs), [x], attrs);
}

/** @internal The forward of to: read back synchronously, upload to the other device. */
export const toForward: Forward<'to'> = (src, [x], attrs) => getBackend(attrs.to, 'to').fromArray(src.readSync!(x!), x!.shape);


/** Copy to another device, reading back asynchronously. */
export async function toAsync(x: Tensor, device: Device): Promise<Tensor> {
  checkDevice('toAsync', device);
  if (device === x.device) return x;
  const data = await x.data();
  const dst = getBackend(device, 'toAsync');
  // The same op as `to` (one entry, one backward); only the read is asynchronous.
  const attrs = { from: x.device, to: device };
  return record('to', dst.fromArray(data, x.shape), [x], attrs);
}

