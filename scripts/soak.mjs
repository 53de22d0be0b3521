#!/usr/bin/env node
// Memory soak: run the seed program for many steps and watch for leaks.
//
//   node scripts/soak.mjs [--steps N] [--device cpu|gpu] [--style manual|autograd|layers|all] [--lr X]
//   xvfb-run -a node scripts/soak.mjs --device gpu        (headless-gl needs a display)
//
// Runs against the built packages (npm run build first). Defaults: 100,000 steps on cpu,
// 10,000 on gpu, every style in turn, lr 1e-6 (the seed program's). The net and the
// manual step are @nn/core/testing's seedNet/seedStep, the same lines the test suites
// and the benchmark run. Every 10% it prints the live buffers and bytes of the device
// (memory()), the process's RSS and JS heap, and the loss (read only there, so the loop
// stays resident on the gpu). It exits 1 if the live-buffer count ever rises above its
// value after the first step, or a loss read is not finite; 2 on a usage error.
import { memory, noGrad, registerBackend, scope, setDefaultDevice } from '@nn/core';
import { seedNet, seedStep } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { Linear, MSELoss, ReLU, SGD, Sequential } from '@nn/layers';

const STYLES = ['manual', 'autograd', 'layers'];

function usage(message) {
  process.stderr.write(`soak: ${message}\nusage: node scripts/soak.mjs [--steps N] [--device cpu|gpu] [--style manual|autograd|layers|all] [--lr X]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { device: 'cpu', style: 'all', steps: undefined, lr: 1e-6 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') usage('a memory soak of the seed program');
    if (!['--steps', '--device', '--style', '--lr'].includes(flag)) usage(`unknown flag ${flag}`);
    if (value === undefined) usage(`${flag} needs a value`);
    i++;
    if (flag === '--steps') {
      opts.steps = Number(value);
      if (!Number.isSafeInteger(opts.steps) || opts.steps < 10) usage(`--steps must be a whole number ≥ 10, got ${value}`);
    } else if (flag === '--lr') {
      opts.lr = Number(value);
      if (!(opts.lr > 0 && Number.isFinite(opts.lr))) usage(`--lr must be a positive number, got ${value}`);
    } else if (flag === '--device') {
      if (!['cpu', 'gpu'].includes(value)) usage(`--device must be cpu or gpu, got ${value}`);
      opts.device = value;
    } else {
      if (![...STYLES, 'all'].includes(value)) usage(`--style must be one of ${STYLES.join(', ')} or all, got ${value}`);
      opts.style = value;
    }
  }
  opts.steps ??= opts.device === 'cpu' ? 100_000 : 10_000;
  return opts;
}

/** The step function of a style over a fresh seed net; returns { step, dispose }. Each step returns its loss tensor. */
function makeStyle(style, device, lr) {
  const net = seedNet(device);
  const tensors = () => [net.x, net.y, ...net.w];
  if (style === 'manual') {
    return { step: () => seedStep(net, lr), dispose: () => tensors().forEach((t) => t.dispose()) };
  }
  if (style === 'autograd') {
    for (const w of net.w) w.requiresGrad = true;
    return {
      step: () => {
        const yPred = net.w.reduce((out, w, i) => (i < net.w.length - 1 ? out.mm(w).clamp({ min: 0 }) : out.mm(w)), net.x);
        const loss = yPred.sub(net.y).pow(2).sum();
        loss.backward();
        noGrad(() => {
          for (const w of net.w) {
            w.sub_(w.grad.mul(lr));
            w.zeroGrad();
          }
        });
        return loss;
      },
      dispose: () => tensors().forEach((t) => t.dispose()),
    };
  }
  // layers: Linear stores its weight [out, in] as PyTorch does, so it starts from wᵀ.
  const modules = [];
  net.w.forEach((w, i) => {
    const linear = new Linear(w.shape[0], w.shape[1], { bias: false, device });
    scope(() => noGrad(() => void linear.weight.copy_(w.t())));
    modules.push(linear);
    if (i < net.w.length - 1) modules.push(new ReLU());
  });
  const model = new Sequential(...modules);
  const lossFn = new MSELoss({ reduction: 'sum' });
  const optimizer = new SGD(model.parameters(), { lr });
  return {
    step: () => {
      const loss = lossFn.forward(model.forward(net.x), net.y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    },
    dispose: () => {
      model.dispose();
      tensors().forEach((t) => t.dispose());
    },
  };
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

/** Run one style for `steps` steps; returns true when the live buffers stayed flat and every loss read was finite. */
async function soak(style, opts) {
  const { device, steps, lr } = opts;
  const before = memory()[device].buffers;
  const { step, dispose } = makeStyle(style, device, lr);
  const report = Math.max(1, Math.floor(steps / 10));
  let baseline;
  let ok = true;
  const start = performance.now();
  let last = start;
  console.log(`# ${style} on ${device}: ${steps} steps, lr ${lr}; a line every ${report} steps`);
  console.log('step       live buffers  device MiB  rss MiB  heap MiB  ms/step  loss');
  for (let t = 0; t < steps; t++) {
    const loss = scope(step);
    const first = t === 0;
    const logged = (t + 1) % report === 0 || t === steps - 1;
    if (first || logged) {
      const value = (await loss.data())[0];
      const m = memory()[device];
      const p = process.memoryUsage();
      baseline ??= m.buffers;
      const now = performance.now();
      const perStep = first ? now - start : (now - last) / report;
      last = now;
      console.log(
        `${String(t + 1).padEnd(10)} ${String(m.buffers).padStart(12)}  ${mib(m.bytes).padStart(10)}  ${mib(p.rss).padStart(7)}  ${mib(p.heapUsed).padStart(8)}  ${perStep.toFixed(2).padStart(7)}  ${value}`,
      );
      // The loss tensor is still alive here, so it is part of every reading alike.
      if (m.buffers > baseline) {
        console.log(`soak: FAIL: ${style} on ${device}: ${m.buffers} live buffers at step ${t + 1}, ${baseline} after step 1 (a leak)`);
        ok = false;
      }
      if (!Number.isFinite(value)) {
        console.log(`soak: FAIL: ${style} on ${device}: the loss is ${value} at step ${t + 1} (the run diverged; try a smaller --lr)`);
        ok = false;
      }
    }
    loss.dispose();
    if (!ok) break;
  }
  dispose();
  const after = memory()[device].buffers;
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`# ${style}: ${ok ? 'flat' : 'FAILED'}; ${seconds} s; live buffers before ${before}, after the net is freed ${after}`);
  if (after !== before) {
    console.log(`soak: FAIL: ${style} on ${device}: ${after - before} buffers still live after every tensor was freed`);
    ok = false;
  }
  return ok;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  registerBackend(createCpuBackend());
  if (opts.device === 'gpu') {
    const { createGpuBackend } = await import('@nn/gpu');
    const gpu = await createGpuBackend();
    registerBackend(gpu);
    console.log(`# gpu: ${gpu.info.runtime}${gpu.info.fallback ? ' (a FALLBACK)' : ''}`);
  }
  setDefaultDevice(opts.device);
  console.log(`# node ${process.version}, ${new Date().toISOString()}`);
  const styles = opts.style === 'all' ? STYLES : [opts.style];
  let ok = true;
  for (const style of styles) ok = (await soak(style, opts)) && ok;
  console.log(ok ? 'soak: ok' : 'soak: FAILED');
  process.exitCode = ok ? 0 : 1;
}

await main();
