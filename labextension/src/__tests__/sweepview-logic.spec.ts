/**
 * sweepview/logic.ts: which runs are sweeps, the trials' order, and the history and
 * parallel-coordinates figures of the Sweep view.
 */
import {
  bestSoFar,
  countsText,
  formatValue,
  historyTraces,
  isSweepRun,
  logScaled,
  nextSort,
  paramNames,
  parallelTrace,
  sortTrials,
  sweepOf,
  sweepViewId
} from '../sweepview/logic';
import { ISweepTrial } from '../sweepview/types';

function trial(number: number, state: ISweepTrial['state'], value: number | null,
               params: Record<string, number | string> = {}, last: number | null = value): ISweepTrial {
  return {
    id: `t${number}`,
    name: `trial-${number}`,
    number,
    state,
    status: 'FINISHED',
    params,
    value: state === 'complete' ? value : null,
    last_value: last,
    intermediate_values: 8,
    start_time: number,
    duration: 1.5
  };
}

const trials = [
  trial(0, 'complete', 0.8, { alpha: 1e-5, kind: 'l2' }),
  trial(1, 'pruned', null, { alpha: 0.5, kind: 'l1' }, 0.6),
  trial(2, 'complete', 0.9, { alpha: 1e-3, kind: 'l2' }),
  trial(3, 'complete', 0.85, { alpha: 2, kind: 'l1' }),
  trial(4, 'failed', null, { alpha: 0.1 }, null)
];

describe('which runs are sweeps', () => {
  it('tells a sweep from its trials and from plain runs', () => {
    const sweep = { id: 'abc123', parent_id: null, tags: { 'mlops.sweep': 'sgd' } };
    const child = {
      id: 'def456',
      parent_id: 'abc123',
      tags: { 'mlops.sweep': 'sgd', 'mlops.trial.number': '3' }
    };
    const plain = { id: 'aaa111', parent_id: 'abc123', tags: {} };
    expect(isSweepRun(sweep)).toBe(true);
    expect(isSweepRun(child)).toBe(false);
    expect(sweepOf(sweep)).toBe('abc123');
    expect(sweepOf(child)).toBe('abc123');
    expect(sweepOf(plain)).toBeNull();
    expect(sweepViewId('abc123')).toBe('jupyter-mlops-sweep-abc123');
  });
});

describe('the trials table', () => {
  it('sorts by value with complete trials first, best on top for a maximized metric', () => {
    const order = (s: ReturnType<typeof nextSort>) => sortTrials(trials, s).map(t => t.number);
    const byValue = nextSort({ key: 'number', descending: false }, 'value', 'maximize');
    expect(byValue).toEqual({ key: 'value', descending: true });
    expect(order(byValue)).toEqual([2, 3, 0, 1, 4]);
    expect(order(nextSort(byValue, 'value', 'maximize'))).toEqual([0, 3, 2, 1, 4]);
    expect(nextSort({ key: 'number', descending: false }, 'value', 'minimize').descending).toBe(false);
    expect(order({ key: 'number', descending: true })).toEqual([4, 3, 2, 1, 0]);
  });

  it('shows a pruned trial where it stood, in brackets, and counts states', () => {
    expect(formatValue(trials[1])).toBe('(0.6)');
    expect(formatValue(trials[2])).toBe('0.9');
    expect(formatValue(trials[4])).toBe('–');
    expect(countsText({ complete: 3, pruned: 1, failed: 1, running: 0 })).toBe(
      '5 trials: 3 complete, 1 pruned, 1 failed'
    );
    expect(countsText({ complete: 0, pruned: 0, failed: 0, running: 0 })).toBe('0 trials');
    expect(paramNames(trials)).toEqual(['alpha', 'kind']);
  });
});

describe('the figures', () => {
  it('draws the history: values, the best so far and the pruned trials apart', () => {
    expect(bestSoFar(trials, 'maximize')).toEqual({ x: [0, 2, 3], y: [0.8, 0.9, 0.9] });
    expect(bestSoFar(trials, 'minimize').y).toEqual([0.8, 0.8, 0.8]);
    const [values, best, pruned] = historyTraces(trials, 'auc', 'maximize');
    expect(values).toMatchObject({ mode: 'markers', name: 'auc', x: [0, 2, 3], y: [0.8, 0.9, 0.85] });
    expect(best).toMatchObject({ mode: 'lines', name: 'best so far', x: [0, 2, 3] });
    expect(pruned).toMatchObject({ x: [1], y: [0.6] });
    expect(historyTraces(trials.slice(0, 1), 'auc', 'maximize')).toHaveLength(2);
  });

  it('draws parallel coordinates over complete trials, log axes where params span decades', () => {
    expect(logScaled([1e-5, 1e-3, 2])).toBe(true);
    expect(logScaled([0.1, 0.5])).toBe(false);
    expect(logScaled([1e-6, 8e-4])).toBe(true);
    expect(logScaled([0, 10])).toBe(false);
    const trace = parallelTrace(trials, 'auc') as { dimensions: Record<string, unknown>[] };
    const [alpha, kind, auc] = trace.dimensions;
    expect(alpha.label).toBe('alpha');
    expect(alpha.values).toEqual([-5, -3, Math.log10(2)]);
    expect(alpha.ticktext).toEqual(['1e-5', '1e-4', '1e-3', '1e-2', '1e-1', '1e0', '1e1']);
    expect(kind).toMatchObject({ values: [1, 1, 0], ticktext: ['l1', 'l2'] });
    expect(auc).toMatchObject({ label: 'auc', values: [0.8, 0.9, 0.85] });
    expect(parallelTrace([trials[1]], 'auc')).toBeNull();
  });
});
