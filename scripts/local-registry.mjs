// A local npm registry (Verdaccio) holding this checkout's seven libraries, published by the release
// flow: `changeset version` then `changeset publish`, in a staging copy so that the checkout is untouched.
// Used by tests/packaging/registry.test.ts, and by hand to install nn before it is on the public registry:
//
//   npm run build && node scripts/local-registry.mjs      # prints the install command; Ctrl-C stops it
//
// Packages outside the @nn scope come from the public registry through Verdaccio (its uplink).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LIBRARIES = ['core', 'cpu', 'gpu', 'layers', 'explain', 'data', 'onnx'];
const VERDACCIO = join(ROOT, 'node_modules/verdaccio/bin/verdaccio');
const CHANGESET = join(ROOT, 'node_modules/@changesets/cli/bin.js');

/** The environment of a child npm: this process's, without the npm_* settings an enclosing `npm test` exports. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  // headless-gl (gpu.js's optional `gl`) compiles against Node's headers; Debian's nodejs puts them in /usr.
  if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return { ...env, ...extra };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function config(dir) {
  return `storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 10
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
    timeout: 60s
packages:
  '@nn/*':
    access: $all
    publish: $authenticated
  '@nn-test/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
log: { type: stdout, format: pretty, level: warn }
`;
}

/**
 * Start Verdaccio on 127.0.0.1 with its storage and config in `dir` (a throw-away folder), and make a user.
 * Returns { url, pid, token, npmrc(), stop() }; stop() ends it by its PID.
 */
export async function startRegistry(dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(join(dir, 'config.yaml'), config(dir));
  const child = spawn(process.execPath, [VERDACCIO, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv(),
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}): ${log}`);
      try {
        if ((await fetch(`${url}-/ping`)).ok) break;
      } catch {}
      if (i > 300) throw new Error(`verdaccio did not answer on ${url} within 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${url}-/user/org.couchdb.user:nn`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nn', password: 'nn-local-registry', email: 'nn@localhost', type: 'user' }),
    });
    const { token } = await res.json();
    if (!token) throw new Error(`verdaccio made no user (${res.status})`);
    const host = url.replace(/^http:/, '');
    const npmrc = (withToken = false) => `registry=${url}\n${withToken ? `${host}:_authToken=${token}\n` : ''}`;
    return { url, pid: child.pid, token, npmrc, stop, log: () => log };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Copy the seven built libraries (package.json, README, LICENSE, dist) and the changesets into `dir`, a small
 * workspace of its own, and run `changeset version` there. Returns { name: version } of what it will publish.
 */
export function stageRelease(dir) {
  mkdirSync(join(dir, 'packages'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'nn-release', private: true, workspaces: ['packages/*'] }, null, 2));
  cpSync(join(ROOT, '.changeset'), join(dir, '.changeset'), { recursive: true });
  for (const p of LIBRARIES) {
    const from = join(ROOT, 'packages', p);
    if (!existsSync(join(from, 'dist/index.js'))) throw new Error(`packages/${p}/dist is missing: run npm run build first`);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist']) {
      if (existsSync(join(from, f))) cpSync(join(from, f), join(dir, 'packages', p, f), { recursive: true });
    }
  }
  // changeset publish tags what it published, so the staging folder is a git repository.
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe', env: cleanEnv() });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=nn', '-c', 'user.email=nn@localhost', 'add', '-A');
  git('-c', 'user.name=nn', '-c', 'user.email=nn@localhost', 'commit', '-qm', 'staged release');
  const before = JSON.parse(readFileSync(join(dir, 'packages/core/package.json'), 'utf8')).version;
  execFileSync(process.execPath, [CHANGESET, 'version'], { cwd: dir, stdio: 'pipe', env: cleanEnv() });
  const versions = Object.fromEntries(
    LIBRARIES.map((p) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'packages', p, 'package.json'), 'utf8'));
      return [pkg.name, pkg.version];
    }),
  );
  // The real flow builds after `changeset version`, and core's build writes its version into the code
  // (packages/core/scripts/version.mjs); dist was built before, so the staged copy gets the new version here.
  const versionJs = join(dir, 'packages/core/dist/version.js');
  const text = readFileSync(versionJs, 'utf8');
  if (!text.includes(`'${before}'`)) throw new Error(`${versionJs} does not hold the version ${before} of package.json`);
  writeFileSync(versionJs, text.replace(`'${before}'`, `'${versions['@nn/core']}'`));
  return versions;
}

/** `changeset publish` from the staged workspace to `registry` (dist is built already, so no prepack). */
export function publishStaged(dir, registry) {
  writeFileSync(join(dir, '.npmrc'), registry.npmrc(true));
  return execFileSync(process.execPath, [CHANGESET, 'publish'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: 'pipe',
    // changeset publish passes npm_config_registry on to npm (it would default to the public registry).
    env: cleanEnv({ npm_config_userconfig: join(dir, '.npmrc'), npm_config_registry: registry.url, npm_config_ignore_scripts: 'true' }),
    timeout: 240_000,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(join(tmpdir(), 'nn-registry-'));
  let registry;
  let versions;
  try {
    registry = await startRegistry(join(dir, 'registry'));
    versions = stageRelease(join(dir, 'stage'));
    publishStaged(join(dir, 'stage'), registry);
  } catch (e) {
    // Verdaccio is a child process: without this it outlives a failed staging or publish.
    registry?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  console.log(`published ${Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(', ')} to ${registry.url} (pid ${registry.pid})`);
  console.log(`install in another folder with:\n  npm install --registry ${registry.url} @nn/core @nn/cpu`);
  console.log('Ctrl-C stops the registry and deletes its folder.');
  const end = () => {
    registry.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
}
