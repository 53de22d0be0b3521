import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, publishStaged, ROOT, stageRelease, startRegistry } from '../../scripts/local-registry.mjs';

// Users install nn from a registry, so this test does too. It starts Verdaccio on 127.0.0.1 with a throw-away
// storage, publishes the seven libraries with the release flow (`changeset version`, then `changeset publish`,
// from a staging copy), and installs them in fresh folders outside the repository exactly as the READMEs say,
// then runs the READMEs' programs there: ESM, CommonJS, strict TypeScript (nodenext, node20, bundler),
// layers, explain, data, onnx, the gpu on headless-gl, and two versions of @nn/core meeting in one program.
// Packages from outside the @nn scope come from the public registry through Verdaccio.

type Registry = { url: string; pid: number; npmrc(withToken?: boolean): string; stop(): void; log(): string };

const work = mkdtempSync(join(tmpdir(), 'nn-registry-test-'));
let registry: Registry;
let versions: Record<string, string>;

/** Run a command in `cwd` with a clean npm environment, returning its stdout. */
function sh(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}, timeout = 240_000): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: cleanEnv(env), timeout }).trim();
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

/** A fresh project folder that installs from the local registry. */
function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }, null, 2));
  writeFileSync(join(dir, '.npmrc'), registry.npmrc());
  return dir;
}

const npmInstall = (dir: string, pkgs: string[], env: Record<string, string> = {}): string => sh(dir, 'npm', ['install', '--no-audit', '--no-fund', ...pkgs], env);

/** The paths of every installed copy of @nn/core. */
function coreCopies(dir: string): string[] {
  const out = sh(dir, 'npm', ['ls', '@nn/core', '--all', '--parseable']);
  return [...new Set(out.split('\n').filter((l) => l.includes('@nn/core')))];
}

/** The first ```ts block after `marker` (or the first of the file) in a markdown file of the repository. */
function tsBlock(file: string, marker?: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const at = marker ? text.indexOf(marker) : 0;
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !m) throw new Error(`${file} has no ts block${marker ? ` after ${marker}` : ''}`);
  return m[1]!;
}

/** An ESM program as CommonJS: its `import { a, b } from 'x'` lines become `const { a, b } = require('x')`. */
function asCommonJs(esm: string): string {
  const cjs = esm.replace(/^import \{([^}]*)\} from '([^']+)';$/gm, "const {$1} = require('$2');");
  if (/^import /m.test(cjs)) throw new Error(`an import form asCommonJs does not handle:\n${esm}`);
  return cjs;
}

const node = (dir: string, file: string): string => sh(dir, process.execPath, [file], {}, 120_000);

/** The seed loop's printed losses: `99 352.515…` … `499 2.14e-5` (README). */
function expectSeedLosses(out: string): void {
  const lines = out.split('\n').map((l) => l.split(' ').map(Number));
  expect(lines.map((l) => l[0])).toEqual([99, 199, 299, 399, 499]);
  expect(lines[0]![1]).toBeCloseTo(352.515, 2);
  expect(lines[1]![1]).toBeCloseTo(0.9169, 3);
  expect(lines[4]![1]).toBeLessThan(1e-4);
}

beforeAll(async () => {
  registry = await startRegistry(join(work, 'registry'));
  versions = stageRelease(join(work, 'stage'));
  publishStaged(join(work, 'stage'), registry);
}, 300_000);

afterAll(() => {
  registry?.stop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('installed from a registry, as the READMEs say', () => {
  it('the release flow published the seven libraries at one version, with LICENSE, engines and no relative links', () => {
    expect(Object.keys(versions).sort()).toEqual(['@nn/core', '@nn/cpu', '@nn/data', '@nn/explain', '@nn/gpu', '@nn/layers', '@nn/onnx']);
    expect(new Set(Object.values(versions)).size).toBe(1);
    const dir = project('metadata');
    for (const name of Object.keys(versions)) {
      const meta = JSON.parse(sh(dir, 'npm', ['view', `${name}@${versions[name]}`, '--json']));
      expect(meta.version, name).toBe(versions[name]);
      expect(meta.license, name).toBe('MIT');
      expect(meta.engines, name).toEqual({ node: '>=20.19' });
      if (name !== '@nn/core') expect(meta.peerDependencies['@nn/core'], name).toBe(`^${versions['@nn/core']}`);
      if (name === '@nn/onnx') expect(meta.peerDependencies['@nn/layers'], name).toBe(`^${versions['@nn/layers']}`);
      // protobufjs (onnx.proto's reader and writer) is the one dependency outside the @nn scope.
      expect(Object.keys(meta.dependencies ?? {}), name).toEqual(name === '@nn/onnx' ? ['protobufjs'] : []);
    }
  });

  describe('npm install @nn/core @nn/cpu', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('cpu');
      npmInstall(dir, ['@nn/core', '@nn/cpu']);
    }, 300_000);

    it('installs one copy of @nn/core and ships LICENSE, README without relative links, and dist', () => {
      expect(coreCopies(dir)).toHaveLength(1);
      for (const p of ['core', 'cpu']) {
        const at = join(dir, 'node_modules/@nn', p);
        expect(existsSync(join(at, 'LICENSE')), p).toBe(true);
        expect(existsSync(join(at, 'dist/index.js')), p).toBe(true);
        expect(readFileSync(join(at, 'README.md'), 'utf8'), p).not.toMatch(/\]\((?!https?:|#)/);
      }
      // The wasm binaries' declarations are plain strings, not 32 kB literal types.
      expect(readFileSync(join(dir, 'node_modules/@nn/cpu/dist/wasm/binary.generated.d.ts'), 'utf8').length).toBeLessThan(2000);
    });

    it("runs the README's seed program as .mjs", () => {
      writeFileSync(join(dir, 'seed.mjs'), tsBlock('README.md', '<!-- readme:seed-program -->'));
      expectSeedLosses(node(dir, 'seed.mjs'));
    });

    it('runs it as CommonJS (.cjs, require)', () => {
      writeFileSync(join(dir, 'seed.cjs'), asCommonJs(tsBlock('README.md', '<!-- readme:seed-program -->')));
      expectSeedLosses(node(dir, 'seed.cjs'));
    });

    it('compiles it as strict TypeScript with module nodenext, node20 and bundler, and runs the nodenext build', () => {
      // The repository's TypeScript and @types/node (installing them here would only time the registry);
      // @nn/* resolve from this folder's node_modules, as installed.
      writeFileSync(join(dir, 'seed.ts'), tsBlock('README.md', '<!-- readme:seed-program -->'));
      const tsc = (args: string[]): string =>
        sh(dir, process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--strict', '--target', 'es2022', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', ...args, 'seed.ts']);
      // nodenext and node20 decide ESM or CommonJS by package.json "type": try both for nodenext.
      tsc(['--module', 'node20', '--noEmit']);
      tsc(['--module', 'esnext', '--moduleResolution', 'bundler', '--noEmit']);
      tsc(['--module', 'nodenext', '--outDir', 'out-cjs']);
      expectSeedLosses(node(dir, 'out-cjs/seed.js'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), type: 'module' }, null, 2));
      tsc(['--module', 'nodenext', '--outDir', 'out-esm']);
      expectSeedLosses(node(dir, 'out-esm/seed.js'));
    }, 300_000);

    it("runs @nn/core's and @nn/cpu's README examples", () => {
      writeFileSync(join(dir, 'core-readme.mjs'), tsBlock('packages/core/README.md', '<!-- package-readme:example -->'));
      expect(node(dir, 'core-readme.mjs')).toMatch(/^\d+(\.\d+)?(e[-+]?\d+)? \[ 3, 2 \]$/);
      writeFileSync(join(dir, 'cpu-readme.mjs'), tsBlock('packages/cpu/README.md', '<!-- package-readme:example -->'));
      expect(node(dir, 'cpu-readme.mjs')).toMatch(/^wasm-(relaxed-)?simd - WebAssembly SIMD gemm.*\n\[ 256, 256 \]$/);
    });
  });

  describe('npm install @nn/core @nn/layers @nn/cpu', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('layers');
      npmInstall(dir, ['@nn/core', '@nn/layers', '@nn/cpu']);
    }, 300_000);

    it("runs docs/layers.md's program and @nn/layers' README example, with one copy of @nn/core", () => {
      expect(coreCopies(dir)).toHaveLength(1);
      writeFileSync(join(dir, 'layers-doc.mjs'), tsBlock('docs/layers.md'));
      const lines = node(dir, 'layers-doc.mjs').split('\n');
      expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual([99, 199, 299, 399, 499]);
      const losses = lines.map((l) => Number(l.split(' ')[1]));
      expect(losses[4]).toBeLessThan(losses[0]! / 100);
      writeFileSync(join(dir, 'layers-readme.mjs'), tsBlock('packages/layers/README.md', '<!-- package-readme:example -->'));
      expect(node(dir, 'layers-readme.mjs')).toMatch(/^49 \d+(\.\d+)?(e[-+]?\d+)?\n99 \d+(\.\d+)?(e[-+]?\d+)?$/);
    });
  });

  describe('npm install @nn/core @nn/cpu @nn/layers @nn/onnx', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('onnx');
      // protobufjs comes from the public registry through Verdaccio's uplink.
      npmInstall(dir, ['@nn/core', '@nn/cpu', '@nn/layers', '@nn/onnx']);
    }, 300_000);

    it('exports a tiny model to ONNX bytes that decode back, with one copy of @nn/core', () => {
      expect(coreCopies(dir)).toHaveLength(1);
      expect(existsSync(join(dir, 'node_modules/protobufjs/package.json'))).toBe(true);
      writeFileSync(
        join(dir, 'export.mjs'),
        [
          "import { manualSeed, randn, registerBackend } from '@nn/core';",
          "import { createCpuBackend } from '@nn/cpu';",
          "import { Linear, ReLU, Sequential } from '@nn/layers';",
          "import { decodeModel, exportOnnx } from '@nn/onnx';",
          'registerBackend(createCpuBackend());',
          'manualSeed(0);',
          'const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));',
          'const bytes = await exportOnnx(model, randn([1, 4]));',
          'const m = decodeModel(bytes);',
          "console.log(bytes.length > 100, m.graph.node.map((n) => n.op_type ?? n.opType).join(','), m.graph.initializer.length);",
        ].join('\n'),
      );
      // Two Linears and a ReLU: the four parameters become initializers; the op names are the exporter's to choose.
      expect(node(dir, 'export.mjs')).toMatch(/^true \S*Relu\S* 4$/);
    });
  });

  describe('npm install @nn/core @nn/cpu @nn/explain', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('explain');
      npmInstall(dir, ['@nn/core', '@nn/cpu', '@nn/explain']);
    }, 300_000);

    it("runs @nn/explain's README example with one copy of @nn/core, and nothing else installed", () => {
      expect(coreCopies(dir)).toHaveLength(1);
      // The renderers need nothing beyond @nn/core (a peer) and a backend: no other package comes with them.
      const installed = sh(dir, 'npm', ['ls', '--all', '--parseable']).split('\n').filter((l) => l.includes('node_modules'));
      expect(installed.map((l) => l.slice(l.lastIndexOf('node_modules/') + 'node_modules/'.length)).sort()).toEqual(['@nn/core', '@nn/cpu', '@nn/explain']);
      expect(readFileSync(join(dir, 'node_modules/@nn/explain/README.md'), 'utf8')).not.toMatch(/\]\((?!https?:|#)/);
      writeFileSync(join(dir, 'explain-readme.mjs'), tsBlock('packages/explain/README.md', '<!-- package-readme:example -->'));
      expect(node(dir, 'explain-readme.mjs')).toMatch(
        /^grad_w = xᵀ · \(grad_y_relu ⊙ \[y ≥ 0\]\)\n  where grad_y_relu = 2·y_relu\n\|formula − autograd\| = (0|\d(\.\d+)?e-[6-9])\n<svg$/,
      );
    });
  });

  describe('npm install @nn/core @nn/cpu @nn/data', () => {
    let dir = '';
    beforeAll(() => {
      dir = project('data');
      npmInstall(dir, ['@nn/core', '@nn/cpu', '@nn/data']);
    }, 300_000);

    it("runs @nn/data's README example on the digits shipped inside the package, with one copy of @nn/core", () => {
      expect(coreCopies(dir)).toHaveLength(1);
      expect(readFileSync(join(dir, 'node_modules/@nn/data/README.md'), 'utf8')).not.toMatch(/\]\((?!https?:|#)/);
      writeFileSync(join(dir, 'data-readme.mjs'), tsBlock('packages/data/README.md', '<!-- package-readme:example -->'));
      expect(node(dir, 'data-readme.mjs')).toBe('1438 359\n23 [ 30, 64 ] [ 30 ] int32');
    });
  });

  describe('npm install @nn/core @nn/gpu gpu.js', () => {
    let dir = '';
    let installSeconds = 0;
    beforeAll(() => {
      dir = project('gpu');
      // gpu.js's optional `gl` (headless-gl) builds from source when its prebuilt binary cannot be downloaded, as
      // here (no internet beyond the registry): over 13 minutes on this 2-core machine. prebuild-install, which gl
      // runs first, takes a local prebuild instead; this one is packed from the checkout's own build of the same
      // gl version, for the same Node ABI. Everything else installs as a user's would.
      const gl = JSON.parse(readFileSync(join(ROOT, 'node_modules/gl/package.json'), 'utf8')).version;
      const prebuilds = join(work, 'gl-prebuilds');
      mkdirSync(prebuilds, { recursive: true });
      const tarball = `gl-v${gl}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
      sh(join(ROOT, 'node_modules/gl'), 'tar', ['-czf', join(prebuilds, tarball), 'build/Release/webgl.node']);
      const t0 = Date.now();
      npmInstall(dir, ['@nn/core', '@nn/gpu', 'gpu.js'], { npm_config_gl_local_prebuilds: prebuilds });
      installSeconds = (Date.now() - t0) / 1000;
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), type: 'module' }, null, 2));
    }, 600_000);

    it("runs @nn/gpu's README example on headless-gl (xvfb-run -a), not a fallback", () => {
      expect(coreCopies(dir)).toHaveLength(1);
      expect(installSeconds).toBeLessThan(300);
      writeFileSync(join(dir, 'gpu-readme.mjs'), tsBlock('packages/gpu/README.md', '<!-- package-readme:example -->'));
      const out = sh(dir, 'xvfb-run', ['-a', process.execPath, 'gpu-readme.mjs'], {}, 120_000);
      expect(out).toMatch(/^headlessgl false\n-?\d+(\.\d+)?(e[-+]?\d+)?$/);
    });
  });

  describe('two versions of @nn/core in one program', () => {
    let dir = '';
    const first = (): string => versions['@nn/core']!;
    const later = (): string => first().replace(/\d+$/, (d) => String(Number(d) + 1));
    beforeAll(() => {
      // A later @nn/core, and a package that pins it exactly (as cpu, gpu and layers once did), so npm nests it.
      const stage = join(work, 'stage');
      const corePkg = join(stage, 'packages/core/package.json');
      writeFileSync(corePkg, JSON.stringify({ ...JSON.parse(readFileSync(corePkg, 'utf8')), version: later() }, null, 2));
      const versionJs = join(stage, 'packages/core/dist/version.js');
      writeFileSync(versionJs, readFileSync(versionJs, 'utf8').replace(`'${first()}'`, `'${later()}'`));
      const publish = (cwd: string): string => sh(cwd, 'npm', ['publish', '--ignore-scripts'], { npm_config_userconfig: join(stage, '.npmrc') });
      publish(join(stage, 'packages/core'));
      const helper = join(work, 'helper');
      mkdirSync(helper, { recursive: true });
      writeFileSync(
        join(helper, 'package.json'),
        JSON.stringify({ name: '@nn-test/helper', version: '1.0.0', type: 'module', main: 'index.js', dependencies: { '@nn/core': later() } }),
      );
      writeFileSync(join(helper, 'index.js'), "import { ones } from '@nn/core';\nexport const three = () => ones([3]);\n");
      publish(helper);
      dir = project('two-cores');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-two-cores', private: true, type: 'module' }, null, 2));
      npmInstall(dir, [`@nn/core@${first()}`, '@nn/cpu', '@nn-test/helper']);
      writeFileSync(
        join(dir, 'main.mjs'),
        "import { registerBackend } from '@nn/core';\nimport { createCpuBackend } from '@nn/cpu';\nimport { three } from '@nn-test/helper';\n\n" +
          'registerBackend(createCpuBackend());\nconsole.log(JSON.stringify(three().toArray()));\n',
      );
    }, 300_000);

    it('npm nests the second copy, and the program fails with an error naming both copies and the fix', () => {
      expect(coreCopies(dir)).toHaveLength(2);
      let message = '';
      try {
        node(dir, 'main.mjs');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`no backend is registered for device 'cpu' (registered: none); two copies of @nn/core are loaded: ${first()} at file://${dir}/node_modules/@nn/core/dist/instance.js (backends registered there: cpu), and ${later()} at file://${dir}/node_modules/@nn-test/helper/node_modules/@nn/core/dist/instance.js`);
      expect(message).toContain('`npm ls @nn/core`');
      expect(message).toContain('npm dedupe');
    });

    it('after aligning the versions as the message says, one copy is left and the program runs', () => {
      npmInstall(dir, [`@nn/core@${later()}`]);
      sh(dir, 'npm', ['dedupe', '--no-audit', '--no-fund']);
      expect(coreCopies(dir)).toHaveLength(1);
      expect(node(dir, 'main.mjs')).toBe('[1,1,1]');
    }, 300_000);
  });
});
