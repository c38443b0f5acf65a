/**
 * plotly.ts: a figure of lines, bars or pies draws with the basic bundle and any other trace
 * with the full one; a node is purged and resized by the bundle that drew it, and cleared by
 * that bundle before the other redraws it. Both bundles are recorders here (jsdom has no
 * canvas or WebGL for the real ones).
 */
import { bundleFor, drawFigure, loadPlotly, purgeFigure, resizeFigure } from '../plotly';

const mockCalls: string[] = [];

const mockBundle = (name: string) => ({
  __esModule: true,
  default: {
    react: () => {
      mockCalls.push(`${name}.react`);
      return Promise.resolve();
    },
    purge: () => void mockCalls.push(`${name}.purge`),
    Plots: { resize: () => (mockCalls.push(`${name}.resize`), Promise.resolve()) }
  }
});

jest.mock('plotly.js-basic-dist-min', () => mockBundle('basic'));
jest.mock('plotly.js-dist-min', () => mockBundle('full'));

const spec = (data: unknown[]) => ({ data, layout: {}, config: {} });
const live = () => false;

beforeEach(() => {
  mockCalls.length = 0;
});

describe('bundleFor', () => {
  it('picks the basic bundle for scatter, bar and pie traces, typed or not', () => {
    expect(bundleFor([{ type: 'scatter' }, { type: 'bar' }, { type: 'pie' }, { x: [1] }])).toBe('basic');
    expect(bundleFor([])).toBe('basic');
  });

  it('picks the full bundle as soon as one trace needs it', () => {
    expect(bundleFor([{ type: 'scatter' }, { type: 'parcoords' }])).toBe('full');
    expect(bundleFor([{ type: 'scattergl' }])).toBe('full');
    expect(bundleFor([{ type: 'heatmap' }])).toBe('full');
  });
});

describe('drawFigure', () => {
  it('imports each bundle once', async () => {
    const first = await loadPlotly('basic');
    expect(await loadPlotly('basic')).toBe(first);
    expect(await loadPlotly('full')).not.toBe(first);
  });

  it('purges and resizes through the bundle that drew the node', async () => {
    const node = document.createElement('div');
    expect(await drawFigure(node, spec([{ type: 'scatter' }]), live)).toBe(true);
    resizeFigure(node);
    purgeFigure(node);
    expect(mockCalls).toEqual(['basic.react', 'basic.resize', 'basic.purge']);
  });

  it('clears a node with the bundle that drew it before the other bundle redraws it', async () => {
    const node = document.createElement('div');
    await drawFigure(node, spec([{ type: 'bar' }]), live);
    await drawFigure(node, spec([{ type: 'parcoords' }]), live);
    await drawFigure(node, spec([{ type: 'parcoords' }]), live);
    purgeFigure(node);
    expect(mockCalls).toEqual(['basic.react', 'basic.purge', 'full.react', 'full.react', 'full.purge']);
  });

  it('draws nothing once the figure is stale, and leaves a node never drawn alone', async () => {
    const node = document.createElement('div');
    expect(await drawFigure(node, spec([{ type: 'scatter' }]), () => true)).toBe(false);
    resizeFigure(node);
    purgeFigure(node);
    expect(mockCalls).toEqual([]);
  });
});
