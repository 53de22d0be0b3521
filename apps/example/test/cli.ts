import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built example. */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Build @nn/example, what it depends on, and @nn/gpu (which it loads only when
 * asked); turbo skips packages whose sources did not change.
 */
export function buildExample(): void {
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=@nn/example...', '--filter=@nn/gpu', '--output-logs=errors-only'], { cwd: ROOT, stdio: 'pipe' });
}

/** What a run of the CLI printed, and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node apps/example/dist/main.js ...args` from the repository root, with stdout/stderr piped (not a TTY); `wrapper` runs it under e.g. xvfb-run. */
export function cli(args: readonly string[], env: Record<string, string> = {}, wrapper: readonly string[] = []): Promise<CliResult> {
  const [cmd, ...pre] = wrapper.length ? [...wrapper, process.execPath] : [process.execPath];
  return new Promise((resolve) => {
    execFile(cmd!, [...pre, MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
