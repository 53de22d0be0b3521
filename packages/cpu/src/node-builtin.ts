// Node's built-in modules without a static import, so the package still bundles
// and runs in browsers: process.getBuiltinModule (Node ≥ 20.16), else nothing.

/** A Node built-in module (`node:os`, `node:v8`...), or undefined outside Node. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}
