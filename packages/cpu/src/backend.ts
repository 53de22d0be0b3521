import type { Backend, BackendInfo, BackendStats, BinaryOp, Handle, ReduceOp, Shape, UnaryOp } from '@nn/core';
import { reducedShape, sizeOf } from '@nn/core';
import type { CpuHandle } from './handle.js';
import * as k from './kernels.js';

/** Options of the cpu backend. */
export interface CpuBackendOptions {
  /** Device name to register under (default `cpu`). */
  device?: string;
}

/** The reference backend: every kernel as plain loops on Float32Array. */
export class CpuBackend implements Backend {
  readonly device: 'cpu';
  readonly info: BackendInfo = {
    name: '@nn/cpu',
    runtime: 'js',
    floatBits: 32,
    syncRead: true,
    fallback: false,
    note: 'plain JavaScript loops on Float32Array',
  };
  private live = new Set<CpuHandle>();
  private bytes = 0;
  private counters = { uploads: 0, readbacks: 0, kernels: 0 };

  constructor(opts: CpuBackendOptions = {}) {
    this.device = (opts.device ?? 'cpu') as 'cpu';
  }

  /** @internal Wrap data in a handle and count it as live. */
  protected wrap(data: Float32Array, shape: Shape): CpuHandle {
    const h: CpuHandle = { device: this.device, shape: [...shape], data };
    this.live.add(h);
    this.bytes += data.byteLength;
    return h;
  }

  protected data(h: Handle): Float32Array {
    const c = h as CpuHandle;
    if (!this.live.has(c)) throw new Error(`${this.info.name}: use of a freed or foreign buffer of shape [${h.shape.join(', ')}]`);
    return c.data;
  }

  fromArray(data: Float32Array, shape: Shape): Handle {
    if (data.length !== sizeOf(shape)) throw new Error(`fromArray: ${data.length} values for shape [${shape.join(', ')}]`);
    this.counters.uploads++;
    return this.wrap(new Float32Array(data), shape);
  }

  readSync(h: Handle): Float32Array {
    this.counters.readbacks++;
    return new Float32Array(this.data(h));
  }

  read(h: Handle): Promise<Float32Array> {
    return Promise.resolve(this.readSync(h));
  }

  free(h: Handle): void {
    const c = h as CpuHandle;
    if (this.live.delete(c)) this.bytes -= c.data.byteLength;
  }

  unary(op: UnaryOp, x: Handle): Handle {
    this.counters.kernels++;
    return this.wrap(k.unary(op, this.data(x)), x.shape);
  }

  binary(op: BinaryOp, a: Handle, b: Handle): Handle {
    this.counters.kernels++;
    const r = k.binary(op, this.data(a), a.shape, this.data(b), b.shape);
    return this.wrap(r.data, r.shape);
  }

  scalar(op: BinaryOp, x: Handle, s: number, reversed: boolean): Handle {
    this.counters.kernels++;
    return this.wrap(k.scalar(op, this.data(x), s, reversed), x.shape);
  }

  matmul(a: Handle, b: Handle, transA: boolean, transB: boolean): Handle {
    this.counters.kernels++;
    const r = k.matmul(this.data(a), a.shape, this.data(b), b.shape, transA, transB);
    return this.wrap(r.data, r.shape);
  }

  reduce(op: ReduceOp, x: Handle, axes: readonly number[], keepDims: boolean): Handle {
    this.counters.kernels++;
    return this.wrap(k.reduce(op, this.data(x), x.shape, axes), reducedShape(x.shape, axes, keepDims));
  }

  where(mask: Handle, a: Handle, b: Handle): Handle {
    this.counters.kernels++;
    const r = k.where(this.data(mask), mask.shape, this.data(a), a.shape, this.data(b), b.shape);
    return this.wrap(r.data, r.shape);
  }

  permute(x: Handle, perm: readonly number[]): Handle {
    this.counters.kernels++;
    const r = k.permute(this.data(x), x.shape, perm);
    return this.wrap(r.data, r.shape);
  }

  expand(x: Handle, shape: Shape): Handle {
    this.counters.kernels++;
    return this.wrap(k.expand(this.data(x), x.shape, shape), shape);
  }

  copy(x: Handle, shape: Shape): Handle {
    this.counters.kernels++;
    return this.wrap(new Float32Array(this.data(x)), shape);
  }

  stats(): BackendStats {
    return { buffers: this.live.size, bytes: this.bytes, compiles: 0, ...this.counters };
  }
}

/** Make the reference cpu backend; register it with `registerBackend`. */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(opts);
}
