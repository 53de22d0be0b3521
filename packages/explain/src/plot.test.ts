import { describe, it, expect } from 'vitest';
import { lossPlotSvg, niceTicks } from './plot.js';
import { parseXml } from '../test/xml.js';

// Losses shaped like the seed program's: tens of millions down to about 1e-3.
const decay = (start: number, rate: number): [number, number][] =>
  Array.from({ length: 50 }, (_, i) => [i * 10, start * Math.exp(-rate * i)] as [number, number]);

describe('lossPlotSvg', () => {
  it('draws one line per run with a legend, as well-formed XML', () => {
    const svg = lossPlotSvg(
      [
        { label: 'two layers', points: decay(3e7, 0.45) },
        { label: 'three layers', points: decay(8e8, 0.5) },
      ],
      { title: 'loss per step' },
    );
    const doc = parseXml(svg);
    expect(doc.root).toBe('svg');
    expect(doc.texts).toContain('two layers');
    expect(doc.texts).toContain('three layers');
    expect(doc.texts).toContain('loss per step');
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
  });

  it('uses a log scale when the loss spans decades, with powers of ten as ticks', () => {
    const svg = lossPlotSvg([{ label: 'run', points: decay(3e7, 0.45) }]);
    const texts = parseXml(svg).texts;
    expect(texts).toContain('loss (log scale)');
    expect(texts).toContain('10⁷');
    expect(texts.some((t) => t.startsWith('10⁻'))).toBe(true);
  });

  it('stays linear when the loss does not span decades, and when asked', () => {
    const flat: [number, number][] = [[0, 5], [1, 4], [2, 3.5]];
    expect(parseXml(lossPlotSvg([{ label: 'a', points: flat }])).texts).toContain('loss');
    expect(parseXml(lossPlotSvg([{ label: 'a', points: decay(1e6, 0.5) }], { log: false })).texts).not.toContain('loss (log scale)');
  });

  it('puts steps on the x axis with round ticks', () => {
    expect(niceTicks(0, 490, 8)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(0.1, 0.95, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('refuses an empty plot with a reason', () => {
    expect(() => lossPlotSvg([{ label: 'a', points: [] }])).toThrow(/no finite/);
  });
});
