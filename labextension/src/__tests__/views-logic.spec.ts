/**
 * views/logic.ts: the dagre layout, what a lineage node opens, pipeline step states, and the
 * theme-coloured plotly layouts of the main-area views.
 */
import { IFigure } from '../tokens';
import {
  chartColumns,
  edgePath,
  everyColumnTicked,
  historyFigure,
  layoutGraph,
  lineageAction,
  mergeStepStates,
  nodeDetail,
  nodeWidth,
  parseDataset,
  parseModel,
  stateSummary,
  stateText,
  themeColors,
  themedCardHtml,
  themedLayout,
  viewId
} from '../views/logic';
import { ILastRun, ILineageNode, IPipelineJob, IPipelineStep } from '../views/types';

// dagre clones its layering (arrays of node ids) with structuredClone, which every browser has
// and jsdom lacks; for plain arrays of strings a JSON round trip is the same copy.
if (typeof globalThis.structuredClone !== 'function') {
  (globalThis as { structuredClone: (value: unknown) => unknown }).structuredClone = value =>
    JSON.parse(JSON.stringify(value));
}

const DARK: Record<string, string> = {
  '--jp-ui-font-color1': 'rgba(255,255,255,0.87)',
  '--jp-border-color2': '#333',
  '--jp-error-color1': '#f44',
  '--jp-success-color1': '#4c4'
};
const dark = themeColors(name => DARK[name] ?? '');

describe('layoutGraph', () => {
  const nodes = ['data', 'run', 'model', 'drift', 'log'].map(id => ({ id, width: 120, height: 52 }));
  const edges = [
    { source: 'data', target: 'run' },
    { source: 'run', target: 'model' },
    { source: 'model', target: 'drift' },
    { source: 'model', target: 'log' }
  ];

  it('lays a lineage out left to right, one rank per step', () => {
    const layout = layoutGraph(nodes, edges);
    const x = (id: string): number => layout.nodes.get(id)!.x;
    expect(x('data')).toBeLessThan(x('run'));
    expect(x('run')).toBeLessThan(x('model'));
    expect(x('model')).toBeLessThan(x('drift'));
    expect(x('drift')).toBe(x('log'));
    expect(layout.nodes.get('drift')!.y).not.toBe(layout.nodes.get('log')!.y);
    expect(layout.edges).toHaveLength(4);
    for (const node of layout.nodes.values()) {
      // Top-left corners inside the drawing.
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
  });

  it('drops edges to unknown nodes and draws a lone node', () => {
    const layout = layoutGraph([{ id: 'a', width: 100, height: 40 }], [{ source: 'a', target: 'gone' }]);
    expect(layout.edges).toEqual([]);
    expect(layout.nodes.get('a')).toMatchObject({ width: 100, height: 40 });
    expect(layout.width).toBeGreaterThanOrEqual(100);
  });

  it('goes top to bottom when asked', () => {
    const layout = layoutGraph(nodes.slice(0, 2), edges.slice(0, 1), { rankdir: 'TB' });
    expect(layout.nodes.get('data')!.y).toBeLessThan(layout.nodes.get('run')!.y);
  });
});

describe('edgePath', () => {
  it('is empty without points, a line for two, curves at the bends', () => {
    expect(edgePath([])).toBe('');
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 5 }])).toBe('M0.0,0.0 L10.0,5.0');
    const curved = edgePath([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 10 }]);
    expect(curved).toMatch(/^M0\.0,0\.0 Q10\.0,0\.0 20\.0,10\.0$/);
  });
});

describe('nodeWidth', () => {
  it('fits the label, within bounds', () => {
    expect(nodeWidth('a')).toBe(120);
    expect(nodeWidth('x'.repeat(500))).toBe(280);
    // 17 characters of bold label fit: 28 + 17 * 8.
    expect(nodeWidth('3 logged requests')).toBe(164);
    expect(nodeWidth('short', 'a much longer detail line')).toBeGreaterThan(nodeWidth('short'));
  });
});

describe('lineageAction', () => {
  const node = (kind: ILineageNode['kind'], ref: ILineageNode['ref']): ILineageNode => ({
    id: `${kind}:x`,
    kind,
    label: 'x',
    ref
  });

  it('opens the view of each kind with what it needs', () => {
    expect(lineageAction(node('dataset', { name: 'customers', version: 2 }))).toEqual({
      command: 'mlops:open-dataset',
      args: { name: 'customers', version: 2 }
    });
    expect(lineageAction(node('dataset', { name: 'customers', version: null }))).toEqual({
      command: 'mlops:open-dataset',
      args: { name: 'customers' }
    });
    expect(lineageAction(node('run', { id: 'abc' }))).toEqual({
      command: 'mlops:open-run',
      args: { id: 'abc' }
    });
    expect(lineageAction(node('model', { name: 'churn', version: 3 }))).toEqual({
      command: 'mlops:open-model',
      args: { name: 'churn', version: 3 }
    });
    expect(lineageAction(node('drift', { id: 'f00d' }))?.command).toBe('mlops:open-drift');
    // The prediction log is a section of the same view.
    expect(lineageAction(node('predictions', {}))).toEqual({ command: null, args: {} });
  });

  it('opens nothing for a node missing its reference', () => {
    expect(lineageAction(node('run', {}))).toBeNull();
    expect(lineageAction(node('model', { name: 'churn' }))).toBeNull();
    expect(lineageAction(node('dataset', {}))).toBeNull();
  });

  it('says what a node is', () => {
    expect(nodeDetail({ ...node('drift', {}), drifted: true })).toBe('drift report · DRIFTED');
    expect(nodeDetail({ ...node('drift', {}), drifted: false })).toBe('drift report · no drift');
    expect(nodeDetail({ ...node('run', {}), status: 'FINISHED' })).toBe('training run · finished');
    expect(nodeDetail(node('dataset', {}))).toBe('data version');
  });
});

describe('mergeStepStates', () => {
  const steps: IPipelineStep[] = ['prep', 'train', 'report'].map(name => ({
    name,
    notebook: `${name}.ipynb`,
    needs: [],
    inputs: [],
    outputs: [],
    params: {}
  }));
  const lastRun: ILastRun = {
    run_id: 'p1',
    status: 'FINISHED',
    start_time: 1,
    end_time: 2,
    error: null,
    steps: {
      prep: { state: 'ran', run_id: 's1', notebook: 'out/prep.ipynb' },
      train: { state: 'cached', run_id: 's2', notebook: 'out/train.ipynb' }
    }
  };
  const job = (state: IPipelineJob['state'], steps: IPipelineJob['steps']): IPipelineJob => ({
    id: 'j1',
    path: 'pipeline.yaml',
    state,
    returncode: null,
    started_at: 3,
    run_id: null,
    status: null,
    error: null,
    output: '',
    steps
  });

  it('shows the last run, and never run for a step it lacks', () => {
    const states = mergeStepStates(steps, lastRun, null);
    expect(states.prep.state).toBe('ran');
    expect(states.train.state).toBe('cached');
    expect(states.report).toEqual({ state: 'never run', run_id: null, notebook: null });
    expect(mergeStepStates(steps, null, null).prep.state).toBe('never run');
  });

  it('lets a live job win; steps it has not reached are pending, then skipped', () => {
    const live = job('running', { prep: { state: 'running', run_id: 's9', notebook: null, cell: 2, cells: 5 } });
    const states = mergeStepStates(steps, lastRun, live);
    expect(states.prep).toMatchObject({ state: 'running', run_id: 's9', cell: 2 });
    expect(states.train.state).toBe('pending');
    const failed = job('failed', { prep: { state: 'failed', run_id: 's9', notebook: null, error: 'boom' } });
    const after = mergeStepStates(steps, lastRun, failed);
    expect(after.prep.state).toBe('failed');
    // Its executed notebook comes from the recorded run once it is no longer running.
    expect(after.prep.notebook).toBe('out/prep.ipynb');
    expect(after.report.state).toBe('skipped');
  });

  it('reads the states as text and counts them', () => {
    expect(stateText({ state: 'running', run_id: null, notebook: null, cell: 3, cells: 7 })).toBe('running 3/7');
    expect(stateText({ state: 'running', run_id: null, notebook: null })).toBe('running');
    expect(stateText({ state: 'cached', run_id: null, notebook: null })).toBe('cached');
    const states = mergeStepStates(steps, lastRun, null);
    expect(stateSummary(states)).toBe('1 ran · 1 cached · 1 never run');
  });
});

describe('theme', () => {
  it('reads the theme variables, with fallbacks outside the lab', () => {
    expect(dark.font).toBe('rgba(255,255,255,0.87)');
    expect(dark.grid).toBe('#333');
    expect(themeColors(() => '  ').font).toBe('rgba(0,0,0,0.87)');
  });

  it('recolours a server figure: no template, transparent paper, themed axes and titles', () => {
    const layout = themedLayout(
      {
        template: { layout: { paper_bgcolor: 'white' } },
        title: 'Drift',
        xaxis: { title: { text: 'column' } },
        yaxis2: { range: [0, 1] },
        annotations: [{ text: 'subplot', font: { size: 14 } }]
      },
      dark,
      { height: 400 }
    );
    expect(layout.template).toBeUndefined();
    expect(layout.paper_bgcolor).toBe('rgba(0,0,0,0)');
    expect(layout.plot_bgcolor).toBe('rgba(0,0,0,0)');
    expect(layout.title).toEqual({ text: 'Drift', font: { color: dark.font } });
    expect(layout.xaxis).toMatchObject({ gridcolor: '#333', title: { text: 'column', font: { color: dark.font } } });
    expect(layout.yaxis2).toMatchObject({ range: [0, 1], gridcolor: '#333' });
    expect(layout.yaxis).toMatchObject({ gridcolor: '#333' });
    expect(layout.annotations).toEqual([{ text: 'subplot', font: { size: 14, color: dark.font } }]);
    expect(layout.height).toBe(400);
    expect(JSON.stringify(layout)).not.toMatch(/white|black|#fff|#000/i);
  });
});

describe('themedCardHtml', () => {
  it("lays the theme's colours over the card's own stylesheet", () => {
    const card = '<html><head><style>body{color:#222}</style></head><body>x</body></html>';
    const themed = themedCardHtml(card, dark);
    // After the card's own style, so it wins.
    expect(themed.indexOf('color:rgba(255,255,255,0.87)')).toBeGreaterThan(themed.indexOf('#222'));
    expect(themed).toContain('</style><style>body{');
    expect(themedCardHtml('<p>bare</p>', dark)).toMatch(/^<style>.*<\/style><p>bare<\/p>$/);
  });
});

describe('drift charts', () => {
  const figure = (columns: number): IFigure => ({
    data: [
      { type: 'bar', x: Array.from({ length: columns }, (_, i) => `c${i}`), y: [] },
      { type: 'scatter', x: ['c0'], y: [0.1], xaxis: 'x2' }
    ],
    layout: { xaxis: { title: 'column' } }
  });

  it('ticks every column, slanted past twelve', () => {
    const few = everyColumnTicked(figure(5));
    expect(few.xaxis).toMatchObject({ type: 'category', dtick: 1, tickangle: 0, title: 'column' });
    expect(few.xaxis2).toMatchObject({ dtick: 1 });
    expect(everyColumnTicked(figure(30)).xaxis).toMatchObject({ tickangle: -45 });
    expect(chartColumns(figure(7))).toBe(7);
  });

  it('draws drift over time, a point per report coloured by its verdict', () => {
    const points = [
      { id: 'aaaa1111', name: 'weekly', created_at: 0, share: 0.6, drift_share: 0.5, drifted: true, version: 1 },
      { id: 'bbbb2222', name: null, created_at: 86400, share: 'NaN' as const, drift_share: 0.5, drifted: false, version: null }
    ];
    const history = historyFigure(points, dark);
    expect(history.data[0].x).toEqual(['1970-01-01T00:00:00.000Z', '1970-01-02T00:00:00.000Z']);
    // A value JSON cannot carry as a number is a gap, not a zero.
    expect(history.data[0].y).toEqual([0.6, null]);
    expect((history.data[0].marker as { color: string[] }).color).toEqual([dark.error, dark.success]);
    expect(history.data[0].customdata).toEqual([
      ['weekly', 1],
      ['bbbb2222', '?']
    ]);
    expect(history.data[1].y).toEqual([0.5, 0.5]);
  });
});

describe('references', () => {
  it('parses model references', () => {
    expect(parseModel('churn@champion')).toEqual({ name: 'churn', alias: 'champion' });
    expect(parseModel('models:/churn/3')).toEqual({ name: 'churn', version: 3 });
    expect(parseModel('churn')).toEqual({ name: 'churn' });
    expect(parseModel(null)).toBeNull();
  });

  it('parses dataset references, nothing else', () => {
    expect(parseDataset('customers@3')).toEqual({ name: 'customers', version: 3 });
    expect(parseDataset('data/file.csv')).toBeNull();
    expect(parseDataset('DataFrame')).toBeNull();
  });

  it('gives one widget id per object', () => {
    expect(viewId('model', 'churn', 2)).toBe('jupyter-mlops-model:churn/2');
    expect(viewId('pipeline', 'a b/pipeline.yaml')).toBe('jupyter-mlops-pipeline:a%20b%2Fpipeline.yaml');
  });
});
