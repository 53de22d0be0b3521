import { FormatError } from '@nn/core';
import { onnx } from '../proto.js';

const AT = onnx.AttributeType as Record<string, number>;

/** A node's attributes by name, read with ONNX's defaults (decodeModel leaves out fields that are 0). */
export class Attributes {
  private readonly byName = new Map<string, Record<string, unknown>>();

  constructor(
    list: readonly Record<string, unknown>[] | undefined,
    /** Names the node in errors, e.g. "node '/fc1/Gemm' (Gemm)". */
    private readonly where: string,
  ) {
    for (const a of list ?? []) this.byName.set(String(a.name), a);
  }

  /** Whether the attribute is present. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** An INT attribute, or `fallback` when absent. */
  int(name: string, fallback: number): number {
    const a = this.get(name, AT.INT!, 'INT');
    return a ? Number(a.i ?? 0) : fallback;
  }

  /** A FLOAT attribute, or `fallback` when absent. */
  float(name: string, fallback: number): number {
    const a = this.get(name, AT.FLOAT!, 'FLOAT');
    return a ? Number(a.f ?? 0) : fallback;
  }

  /** A STRING attribute decoded as UTF-8, or `fallback` when absent. */
  string(name: string, fallback: string): string {
    const a = this.get(name, AT.STRING!, 'STRING');
    return a ? new TextDecoder().decode((a.s as Uint8Array | undefined) ?? new Uint8Array(0)) : fallback;
  }

  /** An INTS attribute, or `fallback` when absent. */
  ints(name: string, fallback: number[] | undefined): number[] | undefined {
    const a = this.get(name, AT.INTS!, 'INTS');
    return a ? ((a.ints as number[] | undefined) ?? []).map(Number) : fallback;
  }

  /** A FLOATS attribute, or undefined when absent. */
  floats(name: string): number[] | undefined {
    const a = this.get(name, AT.FLOATS!, 'FLOATS');
    return a ? ((a.floats as number[] | undefined) ?? []).map(Number) : undefined;
  }

  /** A TENSOR attribute (the plain TensorProto object), or undefined when absent. */
  tensor(name: string): Record<string, unknown> | undefined {
    const a = this.get(name, AT.TENSOR!, 'TENSOR');
    return a ? ((a.t as Record<string, unknown> | undefined) ?? {}) : undefined;
  }

  /** The names present, for errors. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  private get(name: string, type: number, typeName: string): Record<string, unknown> | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    // type 0 (UNDEFINED) is what very old writers leave; trust the field then.
    if (a.type !== undefined && Number(a.type) !== 0 && Number(a.type) !== type) {
      throw new FormatError('importOnnx', `${this.where}: attribute '${name}' should be ${typeName}, the file has type ${Number(a.type)}; the file is malformed — export it again`);
    }
    return a;
  }
}
