import './lab.css';
import { BoundaryView } from './boundary.js';
import { pageHost, workerHost, type TrainerHost } from './host.js';
import { NetworkView } from './network-view.js';
import { PRESETS } from './presets.js';
import type { Activation, Built, DataName, FromTrainer, LabConfig, LabDevice, LabLive, OptimizerName, Snapshot } from './protocol.js';

type LabState = 'loading' | 'ready' | 'training' | 'paused' | 'error';

/** What the lab shows now; `globalThis.nnLab` exposes it read-only to scripts and the end-to-end tests. */
export interface LabView {
  config: LabConfig | null;
  live: LabLive | null;
  built: Built | null;
  snapshot: Snapshot | null;
  state: LabState;
  /** Builds reported so far (a test waits for the next one). */
  builds: number;
  /** The longest a snapshot took to draw on the page, in milliseconds. */
  drawMs: number;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '—');

/** Read the "data and net" fields; a problem comes back as a sentence. */
function readConfig(): LabConfig | string {
  const noise = Number($<HTMLInputElement>('lab-noise').value);
  if (!(noise >= 0 && noise <= 1)) return `Noise must be a number from 0 to 1; got "${$<HTMLInputElement>('lab-noise').value}".`;
  const testFraction = Number($<HTMLInputElement>('lab-test').value);
  if (!(testFraction >= 0.05 && testFraction <= 0.9)) return `The test share must be from 0.05 to 0.9; got "${$<HTMLInputElement>('lab-test').value}".`;
  const text = $<HTMLInputElement>('lab-hidden').value;
  const hidden = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (hidden.length < 1 || hidden.length > 6 || hidden.some((h) => !Number.isInteger(h) || h < 1 || h > 16)) {
    return `Hidden layers take 1 to 6 widths of 1 to 16 units, e.g. "8, 8"; got "${text}".`;
  }
  const seed = Number($<HTMLInputElement>('lab-seed').value);
  if (!Number.isInteger(seed) || seed < 0) return `The seed must be a whole number, 0 or more; got "${$<HTMLInputElement>('lab-seed').value}".`;
  return {
    data: $<HTMLSelectElement>('lab-data').value as DataName,
    n: 400,
    noise,
    testFraction,
    hidden,
    activation: $<HTMLSelectElement>('lab-activation').value as Activation,
    seed,
    device: $<HTMLSelectElement>('lab-device').value as LabDevice,
  };
}

/** Read the live fields (learning rate, batch, optimiser). */
function readLive(): LabLive | string {
  const lr = Number($<HTMLInputElement>('lab-lr').value.trim());
  if (!Number.isFinite(lr) || lr <= 0) return `The learning rate must be a positive number such as 0.03; got "${$<HTMLInputElement>('lab-lr').value}".`;
  const batch = Number($<HTMLInputElement>('lab-batch').value);
  if (!Number.isInteger(batch) || batch < 1) return `The batch size must be a whole number of at least 1; got "${$<HTMLInputElement>('lab-batch').value}".`;
  return { lr, batch, optimizer: $<HTMLSelectElement>('lab-optimizer').value as OptimizerName };
}

/** Put a data set's preset into the fields (its noise, net and rates). */
function applyPreset(data: DataName): void {
  const { config, live } = PRESETS[data];
  $<HTMLInputElement>('lab-noise').value = String(config.noise);
  $<HTMLInputElement>('lab-hidden').value = config.hidden.join(', ');
  $<HTMLSelectElement>('lab-activation').value = config.activation;
  $<HTMLInputElement>('lab-lr').value = String(live.lr);
  $<HTMLInputElement>('lab-batch').value = String(live.batch);
  $<HTMLSelectElement>('lab-optimizer').value = live.optimizer;
}

/**
 * Start the classification lab: wire its tab, controls and views, and build
 * the first net in a Web Worker. The seed-net page stays the other tab.
 */
export function startLab(): void {
  const view: LabView = { config: null, live: null, built: null, snapshot: null, state: 'loading', builds: 0, drawMs: 0 };
  (globalThis as { nnLab?: LabView }).nnLab = view;
  const boundary = new BoundaryView($<HTMLCanvasElement>('lab-boundary'), $<HTMLCanvasElement>('lab-points'));
  const network = new NetworkView($('lab-network'), $('lab-node-info'));
  let worker: TrainerHost | null = null;
  let host: TrainerHost | null = null;
  let page: TrainerHost | null = null;
  let drawQueued = false;
  /** Gpu modes that gpu.js could not open in the worker: the page trains them, and says why. */
  const notInWorker = new Map<LabDevice, string>();

  const setState = (s: LabState): void => {
    view.state = s;
    const el = $('lab-state');
    el.textContent = s;
    el.dataset.state = s;
    $<HTMLButtonElement>('lab-train').disabled = s === 'training' || s === 'loading' || s === 'error';
    $<HTMLButtonElement>('lab-step').disabled = s === 'training' || s === 'loading' || s === 'error';
    $<HTMLButtonElement>('lab-pause').disabled = s !== 'training';
    $<HTMLButtonElement>('lab-download').disabled = s === 'loading' || s === 'error';
    $<HTMLInputElement>('lab-load').disabled = s === 'loading' || s === 'error';
  };
  const message = (text: string): void => {
    $('lab-message').textContent = text;
  };

  const onMessage = (m: FromTrainer): void => {
    switch (m.type) {
      case 'built':
        view.built = m.built;
        view.builds++;
        view.drawMs = 0;
        showBuilt(m.built);
        return;
      case 'snapshot':
        view.snapshot = m.snapshot;
        // One drawing per frame at most: snapshots that come faster replace each other.
        if (!drawQueued) {
          drawQueued = true;
          requestAnimationFrame(() => {
            drawQueued = false;
            const t0 = performance.now();
            if (view.snapshot) showSnapshot(view.snapshot);
            // The first drawing of a build sizes its canvases; the figure is the steady state's.
            if (view.snapshot && view.snapshot.step > 0) view.drawMs = Math.max(view.drawMs, performance.now() - t0);
          });
        }
        return;
      case 'state':
        setState(m.state);
        return;
      case 'gpu-unavailable':
        void fallBackToPage(m.reason);
        return;
      case 'error':
        setState('error');
        message(`Error: ${m.message}`);
        return;
      case 'exported':
        save(m.bytes, `nn-lab-${m.data}.onnx`);
        return;
      case 'onnx-error':
        message(`Could not ${m.action === 'export' ? 'export the net as' : 'load'} an .onnx file: ${m.message}`);
        return;
    }
  };

  /** Hand `bytes` to the browser as a download named `name` (a Blob URL, revoked once the click has taken it). */
  const save = (bytes: Uint8Array, name: string): void => {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const showBuilt = (b: Built): void => {
    boundary.drawPoints(b);
    const im = b.imported;
    if (im && !im.chain) network.clear(`This model's graph is not a plain Linear/activation chain (${im.why}), so its units cannot be drawn: only its boundary is.`);
    else network.layout(b);
    const model = $('lab-model');
    model.textContent = im
      ? `Loaded ${im.name} (${im.ops})${im.chain ? `, hidden widths ${b.hidden.join(', ')}` : ''}: it trains on this data; a change above the line or Reset builds a fresh net from the form.`
      : '';
    model.dataset.imported = im ? (im.chain ? 'chain' : 'graph') : '';
    const el = $('lab-backend');
    el.textContent = `${b.runtime} (${b.thread})`;
    el.dataset.runtime = b.runtime;
    el.dataset.thread = b.thread;
    el.dataset.fallback = b.fallback ? '1' : '0';
    $('lab-backend-note').textContent = b.note;
    const notice = $('lab-notice');
    const why = view.config ? notInWorker.get(view.config.device) : undefined;
    const text = [
      why ? `${why}. The lab trains it on the page's main thread in short slices instead, so the page may stutter while it trains.` : '',
      b.fallback ? `This is a fallback, not the GPU path you asked for: ${b.note}` : '',
    ].filter(Boolean).join(' ');
    notice.hidden = text === '';
    notice.textContent = text;
  };

  const showSnapshot = (s: Snapshot): void => {
    const b = view.built;
    if (!b) return;
    boundary.draw(b.gridSize, s.grid);
    network.update(s, b.gridSize);
    $('lab-step-count').textContent = String(s.step);
    const put = (id: string, text: string, value: number): void => {
      $(id).textContent = text;
      $(id).dataset.value = String(value);
    };
    put('lab-loss', Number.isFinite(s.loss) ? s.loss.toPrecision(4) : s.step === 0 ? '—' : String(s.loss), s.loss);
    put('lab-train-acc', pct(s.trainAcc), s.trainAcc);
    put('lab-test-acc', pct(s.testAcc), s.testAcc);
    if (s.sps > 0 && view.state === 'training') $('lab-sps').textContent = s.sps.toFixed(0);
    const list = $('lab-health');
    list.replaceChildren(
      ...s.health.map((h) => {
        const li = document.createElement('li');
        li.dataset.kind = h.kind;
        li.textContent = h.message;
        return li;
      }),
    );
    list.dataset.count = String(s.health.length);
  };

  /** The host a device trains on: the worker, or the page where the worker cannot open the gpu mode. */
  const hostFor = async (d: LabDevice): Promise<TrainerHost> => {
    if (!notInWorker.has(d)) return (worker ??= workerHost(onMessage));
    return (page ??= await pageHost(onMessage));
  };

  const fallBackToPage = async (reason: string): Promise<void> => {
    if (!view.config) return;
    notInWorker.set(view.config.device, reason);
    await rebuild();
  };

  const rebuild = async (): Promise<void> => {
    const config = readConfig();
    const live = readLive();
    if (typeof config === 'string' || typeof live === 'string') {
      message(typeof config === 'string' ? config : (live as string));
      return;
    }
    message('');
    setState('loading');
    view.config = config;
    view.live = live;
    view.snapshot = null;
    const next = await hostFor(config.device);
    if (host && host !== next) host.send({ type: 'pause' });
    host = next;
    host.send({ type: 'build', config, live });
  };

  const sendLive = (): void => {
    const live = readLive();
    if (typeof live === 'string') {
      message(live);
      return;
    }
    message('');
    view.live = live;
    host?.send({ type: 'live', live });
  };

  // ---- wiring ----
  $('lab-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (view.state === 'ready' || view.state === 'paused') host?.send({ type: 'train' });
  });
  $('lab-pause').addEventListener('click', () => host?.send({ type: 'pause' }));
  $('lab-step').addEventListener('click', () => host?.send({ type: 'step' }));
  $('lab-reset').addEventListener('click', () => void rebuild());
  $('lab-download').addEventListener('click', () => {
    message('');
    host?.send({ type: 'export' });
  });
  $<HTMLInputElement>('lab-load').addEventListener('change', async (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file || !host) return;
    message('');
    const bytes = new Uint8Array(await file.arrayBuffer());
    input.value = ''; // the same file again is a new change
    host.send({ type: 'import', bytes, name: file.name }, [bytes.buffer]);
  });
  $('lab-data').addEventListener('change', () => {
    applyPreset($<HTMLSelectElement>('lab-data').value as DataName);
    void rebuild();
  });
  for (const id of ['lab-noise', 'lab-test', 'lab-hidden', 'lab-activation', 'lab-device', 'lab-seed']) $(id).addEventListener('change', () => void rebuild());
  for (const id of ['lab-lr', 'lab-batch', 'lab-optimizer']) $(id).addEventListener('change', sendLive);

  // Tabs: the lab and the seed nets. The seed page is the default (its URL has no hash); #lab opens the lab.
  const tabs = { lab: [$('tab-lab'), $('lab-tab')], seed: [$('tab-seed'), $('seed-tab')] } as const;
  const select = (which: 'lab' | 'seed'): void => {
    for (const [name, [tab, panel]] of Object.entries(tabs)) {
      tab.setAttribute('aria-selected', String(name === which));
      panel.hidden = name !== which;
    }
    if (which === 'lab' && !host) void rebuild();
  };
  tabs.lab[0].addEventListener('click', () => {
    history.replaceState(null, '', '#lab');
    select('lab');
  });
  tabs.seed[0].addEventListener('click', () => {
    history.replaceState(null, '', location.pathname + location.search);
    select('seed');
  });
  applyPreset('moons');
  select(location.hash === '#lab' ? 'lab' : 'seed');
}
