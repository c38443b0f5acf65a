/**
 * views/evaluations.ts: one metric of the per-slice figure at a time, slices with their
 * verdicts, and the blessing in words.
 */
import {
  blessingChip,
  evaluationLabel,
  figureMetrics,
  figureOfMetric,
  labelBars,
  sliceRows,
  verdictText
} from '../views/evaluations';
import { IEvaluation } from '../views/types';

const shapes = (x: number): unknown[] => [{ type: 'line', x0: x, x1: x }];

// As jupyter_mlops/evaluate/figures.py builds it: a bar trace per metric, a menu to switch.
const figure = {
  data: [
    { type: 'bar', name: 'accuracy', visible: false, y: ['overall (3)', 'plan=pro (1)'] },
    { type: 'bar', name: 'auc', visible: true, y: ['overall (3)', 'plan=pro (1)'] }
  ],
  layout: {
    title: 'churn/1 per slice: NOT blessed',
    xaxis: { title: { text: 'auc' }, automargin: true },
    shapes: shapes(0.7),
    updatemenus: [
      {
        buttons: [
          { label: 'accuracy', method: 'update', args: [{ visible: [true, false] }, { shapes: [], 'xaxis.title.text': 'accuracy' }] },
          { label: 'auc', method: 'update', args: [{ visible: [false, true] }, { shapes: shapes(0.7), 'xaxis.title.text': 'auc' }] }
        ]
      }
    ]
  }
};

const evaluation: IEvaluation = {
  id: '01abc',
  kind: 'evaluation',
  created_at: 0,
  name: 'churn',
  version: 1,
  data: 'customers@1',
  label: 'churned',
  task: 'classification',
  rows: 3,
  blessed: false,
  failures: ['auc on plan=pro: 0.1 < 0.7'],
  baseline: null,
  details: {
    metrics: ['accuracy', 'auc'],
    slices: [
      { slice: 'overall', feature: 'overall', rows: 300, too_small: false, metrics: { accuracy: 0.7, auc: 0.6 } },
      { slice: 'plan=pro', feature: 'plan', rows: 100, too_small: false, metrics: { accuracy: 0.2, auc: 0.1 } },
      { slice: 'plan=free', feature: 'plan', rows: 5, too_small: true, metrics: { accuracy: 1, auc: 'NaN' } }
    ],
    checks: [
      { metric: 'auc', slice: 'overall', kind: 'lower', bound: 0.5, value: 0.6, baseline: null, passed: true, note: '' },
      { metric: 'auc', slice: 'plan=pro', kind: 'lower', bound: 0.7, value: 0.1, baseline: null, passed: false, note: '' },
      { metric: 'auc', slice: 'plan=free', kind: 'lower', bound: 0.7, value: null, baseline: null, passed: null, note: '' }
    ],
    notes: []
  },
  figure
};

const NO_DETAILS = { metrics: [], slices: [], checks: [], notes: [] };

describe('figureOfMetric', () => {
  it('lists the metrics of the menu, or of the bars without one', () => {
    expect(figureMetrics(figure)).toEqual(['accuracy', 'auc']);
    expect(figureMetrics({ data: figure.data, layout: {} })).toEqual(['accuracy', 'auc']);
  });

  it('applies the menu entry of the chosen metric and drops the menu', () => {
    const { figure: shown, shown: metric } = figureOfMetric(figure, 'accuracy');
    expect(metric).toBe('accuracy');
    expect(shown.data.map(t => t.visible)).toEqual([true, false]);
    expect(shown.layout.shapes).toEqual([]);
    expect(shown.layout.xaxis).toEqual({ title: { text: 'accuracy' }, automargin: true });
    expect(shown.layout.updatemenus).toBeUndefined();
    expect(shown.layout.title).toBe(figure.layout.title);
    // The server's figure is left as it was.
    expect(figure.layout.updatemenus).toHaveLength(1);
  });

  it("keeps the server's choice for no metric or an unknown one", () => {
    for (const metric of [null, 'f1']) {
      const { figure: shown, shown: name } = figureOfMetric(figure, metric);
      expect(name).toBe('auc');
      expect(shown.data).toBe(figure.data);
      expect(shown.layout.updatemenus).toBeUndefined();
    }
  });
});

describe('sliceRows', () => {
  it('marks failed slices with their metrics, small ones as too small', () => {
    const rows = sliceRows(evaluation);
    expect(rows.map(r => [r.slice, r.status, r.failed])).toEqual([
      ['overall', 'ok', []],
      ['plan=pro', 'FAILED', ['auc']],
      ['plan=free', 'too small', []]
    ]);
  });

  it('reads an evaluation without slices as no rows', () => {
    expect(sliceRows({ ...evaluation, details: NO_DETAILS })).toEqual([]);
  });
});

describe('the verdict in words', () => {
  it('counts failing and passed checks', () => {
    expect(verdictText(evaluation)).toBe('NOT blessed: 1 failing check');
    expect(verdictText({ ...evaluation, blessed: true, failures: [] })).toBe('Blessed: 1 check passed');
    expect(verdictText({ ...evaluation, blessed: true, failures: [], details: NO_DETAILS })).toBe(
      'Blessed: no thresholds to check'
    );
  });

  it("names the blessing of the header's chip", () => {
    expect(blessingChip(null)).toMatchObject({ text: 'not evaluated', state: 'none' });
    const verdict = { id: 'x', created_at: 0, blessed: false, failures: ['a', 'b'], data: 'd@1', baseline: null };
    expect(blessingChip(verdict)).toEqual({ text: 'NOT blessed', state: 'unblessed', title: 'a\nb' });
    expect(blessingChip({ ...verdict, blessed: true }).state).toBe('blessed');
  });

  it('labels an evaluation by time, data and verdict', () => {
    expect(evaluationLabel(evaluation)).toBe('1970-01-01 00:00 · on customers@1 · NOT blessed');
    expect(evaluationLabel({ ...evaluation, kind: 'replay', baseline: 'churn/2', blessed: true })).toBe(
      '1970-01-01 00:00 · replay against churn/2 · blessed'
    );
  });
});

describe('labelBars', () => {
  it('labels bars with their values, nothing else', () => {
    const labelled = labelBars({ data: [...figure.data, { type: 'scatter', name: 'baseline' }], layout: figure.layout });
    expect(labelled.data[0]).toMatchObject({ texttemplate: '%{x:.3g}', textposition: 'outside' });
    expect(labelled.data[2]).toEqual({ type: 'scatter', name: 'baseline' });
    expect(labelled.layout).toBe(figure.layout);
  });
});
