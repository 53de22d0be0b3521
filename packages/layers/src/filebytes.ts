import { ArgumentError } from '@nn/core';

/**
 * The bytes a file reader was given, as a Uint8Array. Anything else is the caller's mistake, not a bad
 * file, so it is an ArgumentError naming the reader (`loadNpz`, `loadSafetensors`) and what to pass.
 */
export function fileBytes(op: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new ArgumentError(op, `expected the file's bytes (a Uint8Array or ArrayBuffer), got ${bytes === null ? 'null' : typeof bytes}; in Node read them with fs.readFileSync(path)`);
}
