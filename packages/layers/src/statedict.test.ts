import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentError, DeviceError, DTypeError, FormatError, ShapeError, StateError, manualSeed, memory, noGrad, randn, registerBackend, tensor, zeros, type Tensor } from '@nn/core';
import { assertClose } from '@nn/core/testing';
import { createCpuBackend } from '@nn/cpu';
import { Dropout, Linear, Module, ReLU, Sequential, Tanh, loadNpz, saveNpz } from './index.js';

registerBackend(createCpuBackend());
registerBackend(createCpuBackend({ device: 'cpu2' }));

const fixturePath = (name: string): URL => new URL(`../../../fixtures/layers2/${name}`, import.meta.url);
const mlp = JSON.parse(readFileSync(fixturePath('mlp.json'), 'utf8')) as { keys: string[]; shapes: number[][]; input: number[][]; output: number[][] };

/** A module with named children, a buffer and a parameter of its own, as a user writes one. */
class Net extends Module {
  readonly encoder = this.registerModule('encoder', new Sequential(new Linear(4, 3), new ReLU())) as Sequential;
  readonly head = this.registerModule('head', new Linear(3, 2, { bias: false })) as Linear;
  constructor() {
    super();
    this.registerParameter('scale', zeros([2]));
    this.registerBuffer('count', zeros([1]));
  }
  // Getters, not fields: to(device) replaces the tensors, so a field would hold the old one.
  get scale(): Tensor {
    return this.param('scale');
  }
  get count(): Tensor {
    return this.buffer('count');
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(x)).mul(this.scale.add(1));
  }
}

describe('module.stateDict()', () => {
  it("uses PyTorch's key names and order: own parameters, own buffers, then children", () => {
    const seq = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    expect([...seq.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const net = new Net();
    const sd = net.stateDict();
    expect([...sd.keys()]).toEqual(['scale', 'count', 'encoder.0.weight', 'encoder.0.bias', 'head.weight']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(net.parameters().length).toBe(4); // a buffer is not a parameter
    expect(net.count.requiresGrad).toBe(false);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'encoder', 'encoder.0', 'encoder.1', 'head']);
  });

  it('gives detached snapshots: training on does not change them, disposing them leaves the model alone', () => {
    const lin = new Linear(2, 2);
    const sd = lin.stateDict();
    const before = Array.from(sd.get('weight')!.dataSync());
    expect(sd.get('weight')!.requiresGrad).toBe(false);
    noGrad(() => lin.weight.add_(1));
    expect(Array.from(sd.get('weight')!.dataSync())).toEqual(before);
    for (const t of sd.values()) t.dispose();
    expect(lin.weight.isDisposed).toBe(false);
  });
});

describe('module.train() / eval()', () => {
  it('set the mode through every descendant and return the module', () => {
    const inner = new Dropout(0.5);
    const net = new Sequential(new Linear(2, 2), new Sequential(inner, new Tanh()));
    expect(net.training && inner.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    expect(net.train()).toBe(net);
    expect(inner.training).toBe(true);
    net.train(false);
    expect(inner.training).toBe(false);
    expect(() => net.train('yes' as unknown as boolean)).toThrow(/train: mode must be true or false, got 'yes'/);
  });
});

describe('module.loadStateDict()', () => {
  it('copies values in place (the parameters stay the same leaves) from a Map or a plain object', () => {
    manualSeed(1);
    const a = new Net();
    manualSeed(2);
    const b = new Net();
    const weight = b.head.weight;
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.head.weight).toBe(weight);
    expect(weight.requiresGrad && weight.isLeaf).toBe(true);
    const x = randn([3, 4]);
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
    b.loadStateDict({ ...Object.fromEntries(a.stateDict()), count: tensor([7]) });
    expect(b.count.item()).toBe(7);
  });

  it('names every missing, unexpected and mis-shaped key in one message, and copies nothing then', () => {
    const seq = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    const before = Array.from(seq.layers[0]!.parameters()[0]!.dataSync());
    const bad = new Map<string, Tensor>([['0.weight', zeros([3, 4])], ['0.bias', zeros([5])], ['3.weight', zeros([1])]]);
    expect(() => seq.loadStateDict(bad)).toThrow(ShapeError);
    expect(() => seq.loadStateDict(bad)).toThrow(
      "loadStateDict: the state dict does not fit the model: missing key(s) '2.weight', '2.bias'; unexpected key(s) '3.weight'; size mismatch for '0.bias': the dict's value has shape [5], the model's [3]; build the model with the sizes the dict was saved from; check that the dict comes from the same architecture, or pass { strict: false } to load the keys that match",
    );
    expect(Array.from(seq.layers[0]!.parameters()[0]!.dataSync())).toEqual(before);
    const keysOnly = new Map([['0.weight', zeros([3, 4])], ['extra', zeros([1])]]);
    expect(() => seq.loadStateDict(keysOnly)).toThrow(StateError);
    // strict: false loads what matches and reports the rest, as PyTorch's _IncompatibleKeys
    expect(seq.loadStateDict(keysOnly, { strict: false })).toEqual({ missingKeys: ['0.bias', '2.weight', '2.bias'], unexpectedKeys: ['extra'] });
    expect(Array.from(seq.layers[0]!.parameters()[0]!.dataSync()).every((v) => v === 0)).toBe(true);
    // a mis-shaped value is an error even when not strict
    expect(() => seq.loadStateDict(new Map([['0.bias', zeros([5])]]), { strict: false })).toThrow(ShapeError);
  });

  it('refuses a value on another device (naming .to()), another dtype, and bad arguments', () => {
    const lin = new Linear(2, 2);
    const sd = lin.stateDict();
    sd.set('bias', sd.get('bias')!.to('cpu2'));
    expect(() => lin.loadStateDict(sd)).toThrow(DeviceError);
    expect(() => lin.loadStateDict(sd)).toThrow(/'bias' is on 'cpu2' and the model's bias .* on 'cpu'.*\.to\('cpu'\)/);
    sd.set('bias', tensor([1, 2], { dtype: 'int32' }));
    expect(() => lin.loadStateDict(sd)).toThrow(DTypeError);
    expect(() => lin.loadStateDict([] as never)).toThrow(ArgumentError);
    expect(() => lin.loadStateDict(new Map([['weight', [1, 2]]]) as never)).toThrow(/the value of 'weight' must be a tensor/);
    expect(() => lin.loadStateDict(lin.stateDict(), { strict: 'no' } as never)).toThrow(/option strict must be true or false/);
  });

  it('moves buffers with to(device)', () => {
    const net = new Net();
    net.to('cpu2');
    expect(net.count.device).toBe('cpu2');
    expect(net.buffers().every((b) => b.device === 'cpu2')).toBe(true);
  });
});

describe('.npz files (saveNpz / loadNpz)', () => {
  it("loads a PyTorch model's state dict saved with np.savez and gives torch's output", () => {
    for (const file of ['mlp.npz', 'mlp_zip64.npz']) {
      const sd = loadNpz(readFileSync(fixturePath(file)));
      expect([...sd.keys()], file).toEqual(mlp.keys);
      expect([...sd.values()].map((t) => t.shape)).toEqual(mlp.shapes);
      const model = new Sequential(new Linear(4, 8), new Tanh(), new Linear(8, 3));
      model.loadStateDict(sd);
      assertClose(model.forward(tensor(mlp.input)).dataSync(), mlp.output.flat(), { atol: 1e-6, rtol: 1e-5 }, file);
    }
  });

  it('round-trips a state dict and puts the tensors on the device asked for', () => {
    const net = new Net();
    const bytes = saveNpz(net.stateDict());
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x50, 0x4b, 0x03, 0x04]); // a zip file
    const back = loadNpz(bytes.buffer as ArrayBuffer, { device: 'cpu2' });
    const sd = net.stateDict();
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of back) {
      expect(t.device).toBe('cpu2');
      expect(Array.from(t.dataSync()), k).toEqual(Array.from(sd.get(k)!.dataSync()));
    }
  });

  it('refuses compressed, corrupt or foreign files with a FormatError that says what to do', () => {
    expect(() => loadNpz(readFileSync(fixturePath('mlp_compressed.npz')))).toThrow(FormatError);
    expect(() => loadNpz(readFileSync(fixturePath('mlp_compressed.npz')))).toThrow(/loadNpz: entry '0\.weight\.npy' is compressed \(zip method 8\); save with np\.savez, not np\.savez_compressed/);
    const bytes = saveNpz({ w: tensor([1, 2, 3]) });
    const corrupt = bytes.slice();
    corrupt[100] = corrupt[100]! ^ 0xff;
    expect(() => loadNpz(corrupt)).toThrow(/entry 'w\.npy' fails its CRC-32 check/);
    expect(() => loadNpz(new Uint8Array(40))).toThrow(/not a \.npz \(zip\) file/);
    expect(() => loadNpz('x' as never)).toThrow(/loadNpz: expected the file's bytes/);
    expect(() => saveNpz({ w: [1] as never })).toThrow(/saveNpz: the value of 'w' must be a tensor/);
  });

  it('a corrupt later entry leaves none of the earlier tensors behind', () => {
    const bytes = saveNpz(new Map([['a', tensor([1, 2, 3])], ['b', tensor([4, 5, 6])]]));
    const before = memory().cpu!.buffers;
    // b.npy's last data byte: the local entries come first, then the central directory (2 × (46 + 5)) and the end record (22).
    bytes[bytes.length - 22 - 2 * 51 - 1]! ^= 0xff;
    expect(() => loadNpz(bytes)).toThrow(FormatError);
    expect(() => loadNpz(bytes)).toThrow(/'b.npy' fails its CRC-32/);
    expect(memory().cpu!.buffers).toBe(before);
  });

  it('keeps int32 values int32 (as <i4 entries)', () => {
    const back = loadNpz(saveNpz({ steps: tensor([3, -2], { dtype: 'int32' }), w: tensor([0.5]) }));
    expect(back.get('steps')!.dtype).toBe('int32');
    expect(Array.from(back.get('steps')!.dataSync())).toEqual([3, -2]);
    expect(back.get('w')!.dtype).toBe('float32');
  });
});
