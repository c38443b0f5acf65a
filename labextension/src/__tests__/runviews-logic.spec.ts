/**
 * runviews/logic.ts and settings.ts: what the Run and Compare views decide without a DOM (lines
 * or numbers, the best run, the params that differ, the figures, the Runs tree) and how the
 * settings read whatever an overrides file holds.
 */
import {
  barTrace,
  bestRuns,
  compareProblem,
  compareViewId,
  formatDuration,
  formatNumber,
  highlightPython,
  historyTraces,
  notebookRunFilter,
  notebookTarget,
  paramKeys,
  parallelTrace,
  parseModelRef,
  scatterTrace,
  searchRows,
  splitMetrics,
  statusText,
  treeRows,
  visibleColumns
} from '../runviews/logic';
import { IRunFull } from '../runviews/types';
import { DEFAULT_SETTINGS, readSettings } from '../settings';

function run(id: string, metrics: Record<string, number>, params: Record<string, string>): IRunFull {
  return {
    id,
    name: `run-${id}`,
    metrics,
    params,
    parent_id: null
  } as unknown as IRunFull;
}

const runs = [
  run('a', { auc: 0.8, loss: 0.3 }, { C: '0.1', penalty: 'l2', solver: 'lbfgs' }),
  run('b', { auc: 0.9, loss: 0.2 }, { C: '1.0', penalty: 'l2', solver: 'saga' }),
  run('c', { auc: 0.9, loss: 0.4 }, { C: '10', penalty: 'l2' })
];

describe('metrics: lines or numbers, and the best', () => {
  it('draws a metric with more than one step as a line, the rest as numbers', () => {
    const split = splitMetrics(
      { auc: 0.9, loss: 0.1 },
      { loss: { total: 60, downsampled: false, steps: [], values: [] } }
    );
    expect(split).toEqual({ stepped: ['loss'], single: ['auc'] });
  });

  it('counts a single logged step as a number, not a one-point line', () => {
    const split = splitMetrics({ f1: 0.5 }, { f1: { total: 1, downsampled: false, steps: [0], values: [0.5] } });
    expect(split.single).toEqual(['f1']);
  });

  it('highlights the highest auc and the lowest loss; ties all win', () => {
    expect(bestRuns(runs, 'auc').sort()).toEqual(['b', 'c']);
    expect(bestRuns(runs, 'loss')).toEqual(['b']);
  });

  it('highlights nothing when fewer than two runs have a number', () => {
    expect(bestRuns([runs[0], run('d', {}, {})], 'auc')).toEqual([]);
    expect(bestRuns(runs, 'missing')).toEqual([]);
  });
});

describe('params that differ', () => {
  it('hides a param every run shares, and counts a missing value as different', () => {
    expect(paramKeys(runs, true)).toEqual(['C', 'solver']);
    expect(paramKeys(runs, false)).toEqual(['C', 'penalty', 'solver']);
  });

  it('filters a key/value table by key or value, sorted', () => {
    expect(searchRows({ solver: 'lbfgs', penalty: 'l2' }, 'LBF')).toEqual([['solver', 'lbfgs']]);
    expect(searchRows({ b: '1', a: '2' }, '  ')).toEqual([
      ['a', '2'],
      ['b', '1']
    ]);
  });
});

describe('compare: how many runs', () => {
  it('says what to do with too few or too many runs', () => {
    expect(compareProblem(['a', 'a'])).toContain('at least 2');
    const many = Array.from({ length: 23 }, (_, i) => `r${i}`);
    expect(compareProblem(many)).toContain('untick 3');
    expect(compareProblem(['a', 'b'])).toBeNull();
  });

  it('gives one view per set of runs, whatever their order', () => {
    expect(compareViewId(['b', 'a'])).toBe(compareViewId(['a', 'b']));
  });
});

describe('figures', () => {
  it('overlays one line per run that logged the metric', () => {
    const traces = historyTraces('loss', [
      { id: 'a', name: 'A', histories: { loss: { total: 2, downsampled: false, steps: [0, 1], values: [1, 0.5] } } },
      { id: 'b', name: 'B', histories: {} }
    ]);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ name: 'A', x: [0, 1], y: [1, 0.5], meta: 'a' });
  });

  it('draws a bar per run with its value written on it', () => {
    const bars = barTrace('auc', [...runs, run('d', {}, {})]);
    expect(bars.x).toEqual(['run-a', 'run-b', 'run-c']);
    expect(bars.y).toEqual([0.8, 0.9, 0.9]);
    expect(bars.text).toEqual(['0.8', '0.9', '0.9']);
  });

  it('puts numeric params on a numeric axis and text params on labelled levels', () => {
    const trace = parallelTrace(runs, ['C', 'solver'], ['auc']);
    const [c, solver, auc] = trace.dimensions as Record<string, unknown>[];
    expect(c.values).toEqual([0.1, 1, 10]);
    expect(solver.ticktext).toEqual(['', 'lbfgs', 'saga']);
    expect(solver.values).toEqual([1, 2, 0]);
    expect(auc.values).toEqual([0.8, 0.9, 0.9]);
  });

  it('leaves out of a scatter the runs missing either axis', () => {
    const trace = scatterTrace(runs, 'params.solver', 'metrics.auc');
    expect(trace.x).toEqual(['lbfgs', 'saga']);
    expect(trace.text).toEqual(['run-a', 'run-b']);
  });

  it('writes numbers and durations as a person reads them', () => {
    expect(formatNumber(0.912345678)).toBe('0.91235');
    expect(formatNumber(123456)).toBe('1.235e+5');
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(245)).toBe('4 min 5 s');
    expect(formatDuration(null)).toBe('running');
  });
});

describe('the Runs tree and columns', () => {
  const tree = [
    { id: 'p', parent_id: null },
    { id: 'k1', parent_id: 'p' },
    { id: 'k2', parent_id: 'p' },
    { id: 'orphan', parent_id: 'gone' },
    { id: 'self', parent_id: 'self' }
  ];

  it('nests children under their parent and treats a run whose parent is off the page as a root', () => {
    const rows = treeRows(tree, new Set());
    expect(rows.map(r => [r.run.id, r.depth])).toEqual([
      ['p', 0],
      ['k1', 1],
      ['k2', 1],
      ['orphan', 0],
      ['self', 0]
    ]);
    expect(rows[0].hasChildren).toBe(true);
  });

  it('hides the children of a collapsed parent', () => {
    expect(treeRows(tree, new Set(['p'])).map(r => r.run.id)).toEqual(['p', 'orphan', 'self']);
  });

  it('keeps the chosen columns that exist, in their order, and never shows none', () => {
    expect(visibleColumns(['metrics.auc', 'gone', 'name'], ['metrics.auc'])).toEqual([
      'metrics.auc',
      'name'
    ]);
    expect(visibleColumns(['gone'], ['params.C'])).toContain('name');
    expect(visibleColumns(null, ['params.C'])).toContain('params.C');
  });
});

describe('notebooks and the status bar', () => {
  it('opens a notebook by its path under the root, or says why not', () => {
    expect(notebookTarget({ relative: 'nb/a.ipynb', exists: true, message: null })).toEqual({
      path: 'nb/a.ipynb'
    });
    expect(
      notebookTarget({ relative: null, exists: true, message: 'outside the server root' })
    ).toEqual({ message: 'outside the server root' });
    expect(notebookTarget(null)).toEqual({ message: 'This run was not started from a notebook.' });
  });

  it('escapes LIKE wildcards and quotes in the notebook filter', () => {
    expect(notebookRunFilter("/my_dir/it's 100%.ipynb")).toBe(
      "source_path like '%/my\\_dir/it''s 100\\%.ipynb'"
    );
    expect(notebookRunFilter('/')).toBeNull();
  });

  it('shows the tracked run and its status, nothing when none', () => {
    expect(statusText({ name: 'fit', status: 'RUNNING' })).toBe('MLOps: fit · running');
    expect(statusText(null)).toBe('');
  });

  it('reads model refs of each spelling', () => {
    expect(parseModelRef('churn/3')).toEqual({ name: 'churn', version: 3 });
    expect(parseModelRef('churn@v2')).toEqual({ name: 'churn', version: 2 });
    expect(parseModelRef('churn')).toBeNull();
  });

  it('colours magics, keywords, strings, numbers and comments', () => {
    const kinds = highlightPython('%%mlops_track\nfor x in "ab": 1  # c')
      .filter(t => t.kind !== 'text')
      .map(t => t.kind);
    expect(kinds).toEqual(['magic', 'keyword', 'keyword', 'string', 'number', 'comment']);
  });
});

describe('settings', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('clamps the poll interval and drops a bad value without losing the others', () => {
    expect(readSettings({ pollInterval: 10, defaultExperiment: ' churn ' })).toEqual({
      pollInterval: 500,
      columns: null,
      defaultExperiment: 'churn'
    });
    expect(readSettings({ pollInterval: 'fast', columns: ['name', 'name', 'metrics.auc'] })).toEqual({
      pollInterval: DEFAULT_SETTINGS.pollInterval,
      columns: ['name', 'metrics.auc'],
      defaultExperiment: ''
    });
    expect(readSettings({ columns: ['name', 3] }).columns).toBeNull();
  });
});
