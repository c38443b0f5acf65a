/**
 * The Compare view in jsdom against a fake server: its first screen is the tables, each chart
 * (bars, histories, parallel coordinates, scatter) is drawn only once it scrolls into view, the
 * histories in view ask for one key a request, and a change of the scatter's axes redraws the
 * scatter alone. plotly.js is replaced by a recorder (jsdom has no WebGL) and the browser's
 * IntersectionObserver by one the test drives.
 */
import * as React from 'react';
import { act } from 'react';

import { CompareView } from '../runviews/CompareView';
import { FakeServer, json } from './fakeServer';
import { mountEach, settle } from './mounted';

const drawn: { node: HTMLElement; data: { type?: string }[]; config: Record<string, unknown> }[] = [];

// Both bundles (plotly.ts picks one by trace type) are the same recorder.
const mockRecorder = () => ({
  __esModule: true,
  default: {
    react: (node: HTMLElement, data: { type?: string }[], _layout: unknown, config: Record<string, unknown>) => {
      drawn.push({ node, data, config });
      return Promise.resolve(node);
    },
    purge: () => undefined
  }
});
jest.mock('plotly.js-dist-min', () => mockRecorder());
jest.mock('plotly.js-basic-dist-min', () => mockRecorder());

/** The nodes observed, and a way to bring some of them into view. */
const observed = new Map<Element, IntersectionObserverCallback>();

class DrivenObserver {
  constructor(private readonly callback: IntersectionObserverCallback) {}
  observe(node: Element): void {
    observed.set(node, this.callback);
  }
  disconnect(): void {
    for (const [node, callback] of observed) {
      if (callback === this.callback) {
        observed.delete(node);
      }
    }
  }
}

function scrollTo(nodes: Element[]): void {
  act(() => {
    for (const node of nodes) {
      const callback = observed.get(node);
      callback?.([{ isIntersecting: true, target: node } as unknown as IntersectionObserverEntry], {} as IntersectionObserver);
    }
  });
}

const mounted = mountEach();

const METRICS = Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`);

function runFull(id: string, i: number): Record<string, unknown> {
  return {
    id,
    name: `run-${i}`,
    experiment: 'default',
    status: 'FINISHED',
    start_time: 1700000000,
    end_time: 1700000060,
    parent_id: null,
    params: { lr: String(0.1 * (i + 1)), batch: '32' },
    metrics: { ...Object.fromEntries(METRICS.map((k, j) => [k, j + i])), auc: 0.7 + i / 10 },
    tags: {}
  };
}

const IDS = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];

function answer(keys: string[]): Record<string, unknown> {
  return {
    runs: IDS.map(runFull),
    stepped: Object.fromEntries(IDS.map(id => [id, METRICS])),
    histories: Object.fromEntries(
      IDS.map(id => [id, Object.fromEntries(keys.map(k => [k, { total: 2, downsampled: false, steps: [0, 1], values: [1, 2] }]))])
    )
  };
}

beforeAll(() => {
  (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = DrivenObserver;
});

beforeEach(() => {
  drawn.length = 0;
  observed.clear();
});

async function open(server: FakeServer): Promise<HTMLElement> {
  act(() =>
    mounted.root.render(<CompareView settings={server.settings} ids={IDS} openRun={() => undefined} />)
  );
  await settle();
  return mounted.container.querySelector('.jp-mlops-compareview') as HTMLElement;
}

describe('CompareView', () => {
  it('shows the tables first and draws no chart before it is seen', async () => {
    const server = new FakeServer().answer(json(answer([])));
    const view = await open(server);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].query.histories).toBe('false');
    const table = view.querySelector('.jp-mlops-compare-table')!;
    // Every metric is a row of the (virtualized) table; the best run of auc is marked.
    expect(table.getAttribute('aria-rowcount')).toBe(String(METRICS.length + 1));
    expect(view.querySelector('.jp-mlops-params-table')!.getAttribute('aria-rowcount')).toBe('1');
    expect(view.querySelectorAll('.jp-mlops-history-chart')).toHaveLength(METRICS.length);
    expect(view.querySelectorAll('.jp-mlops-bar-chart')).toHaveLength(1);
    expect(view.querySelector('.jp-mlops-parcoords-cell')).not.toBeNull();
    expect(drawn).toHaveLength(0);
    expect(view.querySelector('.jp-mlops-plot')).toBeNull();
  });

  it('fetches the histories in view one key a request and draws them', async () => {
    const server = new FakeServer().answer(json(answer([])), json(answer(['m00'])), json(answer(['m01'])));
    const view = await open(server);
    const charts = Array.from(view.querySelectorAll('.jp-mlops-history-chart')).slice(0, 2);
    scrollTo(charts);
    await settle();
    const keyed = server.requests.slice(1).map(r => r.query.key);
    expect(keyed).toEqual(['m00', 'm01']);
    expect(drawn.map(d => d.node.closest('[data-metric]')!.getAttribute('data-metric'))).toEqual(['m00', 'm01']);
    expect(drawn[0].data).toHaveLength(IDS.length);
  });

  it('draws the parallel coordinates once seen, at the screen pixel ratio, and not again for the scatter', async () => {
    const server = new FakeServer().answer(json(answer([])));
    const view = await open(server);
    scrollTo([view.querySelector('.jp-mlops-parcoords-cell')!, view.querySelector('.jp-mlops-scatter')!]);
    await settle();
    const parcoords = () => drawn.filter(d => d.data[0]?.type === 'parcoords');
    expect(parcoords()).toHaveLength(1);
    // lr differs, batch does not; auc and the 40 metrics: one axis each.
    expect((parcoords()[0].data[0] as { dimensions: unknown[] }).dimensions).toHaveLength(1 + METRICS.length + 1);
    expect(parcoords()[0].config.plotGlPixelRatio).toBe(1);
    const scatters = drawn.filter(d => d.data[0]?.type === 'scatter').length;
    expect(scatters).toBe(1);

    const select = view.querySelector('select[aria-label="Scatter y axis"]') as HTMLSelectElement;
    act(() => {
      select.value = 'metrics.m05';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    expect(drawn.filter(d => d.data[0]?.type === 'scatter')).toHaveLength(scatters + 1);
    expect(parcoords()).toHaveLength(1);
  });
});
