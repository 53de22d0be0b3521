import type { Device } from '../backend.js';
import { DeviceError } from '../errors.js';
import { getBackend } from '../registry.js';
import type { Tensor } from "../tensor.js";
import { result } from './record.js';

/** Copy to another device; the gradient is copied back. */
export function to(x: Tensor, device: Device): Tensor {
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
  if (device === x.device) return x;
  const data = await x.data();
  const dst = getBackend(device, 'toAsync');
  const from = x.device;
  return result('to', dst.fromArray(data, x.shape), [x], {
    attrs: { from, to: device },
    backward: (g) => [to(g, from)],
  });
}

