/**
 * What the Sweep view decides without React: which runs are sweeps, the trials' order, and the
 * optimization-history and parallel-coordinates figures (plotly traces, drawn by runviews/Plot).
 */
import { formatNumber, numeric } from '../runviews/logic';
import { ISweepTrial, ParamValue, TrialState } from './types';

export const SWEEP_TAG = 'mlops.sweep';
export const TRIAL_NUMBER_TAG = 'mlops.trial.number';

export interface IRunTags {
  id: string;
  parent_id: string | null;
  tags: Record<string, string>;
}

export interface ITrace {
  [key: string]: unknown;
}

/** The main-area widget id of a sweep's view (one per sweep). */
export function sweepViewId(id: string): string {
  return `jupyter-mlops-sweep-${id}`;
}

/** Whether a run is a sweep's own run (its trials carry the sweep tag too, with a number). */
export function isSweepRun(run: IRunTags): boolean {
  return SWEEP_TAG in run.tags && !(TRIAL_NUMBER_TAG in run.tags);
}

/** The sweep a run belongs to: itself when it is a sweep, its parent when it is a trial. */
export function sweepOf(run: IRunTags): string | null {
  if (isSweepRun(run)) {
    return run.id;
  }
  return SWEEP_TAG in run.tags && run.parent_id ? run.parent_id : null;
}

export type SortKey = 'number' | 'value';

export interface ISort {
  key: SortKey;
  descending: boolean;
}

/** The value a trial sorts by: its objective, or where a pruned trial stood. */
export function trialScore(trial: ISweepTrial): number | null {
  return numeric(trial.value ?? undefined) ?? numeric(trial.last_value ?? undefined);
}

/**
 * The trials in table order. By value, complete trials come first (best first when
 * descending on a maximized metric), then pruned ones by where they stood, then the rest.
 */
export function sortTrials(trials: ISweepTrial[], sort: ISort): ISweepTrial[] {
  const sign = sort.descending ? -1 : 1;
  const byNumber = (a: ISweepTrial, b: ISweepTrial): number => (a.number ?? 0) - (b.number ?? 0);
  if (sort.key === 'number') {
    return [...trials].sort((a, b) => sign * byNumber(a, b));
  }
  const rank = (t: ISweepTrial): number =>
    numeric(t.value ?? undefined) !== null ? 0 : trialScore(t) !== null ? 1 : 2;
  return [...trials].sort((a, b) => {
    const ranks = rank(a) - rank(b);
    if (ranks !== 0) {
      return ranks;
    }
    const x = trialScore(a);
    const y = trialScore(b);
    if (x === null || y === null || x === y) {
      return byNumber(a, b);
    }
    return sign * (x - y);
  });
}

/** The sort a click on a column header asks for: the other way round on the same column. */
export function nextSort(current: ISort, key: SortKey, direction: 'maximize' | 'minimize'): ISort {
  if (current.key === key) {
    return { key, descending: !current.descending };
  }
  // A first click on Value puts the best trial on top.
  return { key, descending: key === 'value' ? direction === 'maximize' : false };
}

/** The params any trial has, in name order. */
export function paramNames(trials: ISweepTrial[]): string[] {
  return Array.from(new Set(trials.flatMap(t => Object.keys(t.params)))).sort();
}

/** A param value as a table cell shows it. */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) {
    return '';
  }
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** A trial's value as the table shows it: a pruned trial's last value in brackets. */
export function formatValue(trial: ISweepTrial): string {
  const value = numeric(trial.value ?? undefined);
  if (value !== null) {
    return formatNumber(value);
  }
  const last = numeric(trial.last_value ?? undefined);
  return last === null ? '–' : `(${formatNumber(last)})`;
}

/** One line for the counts: "12 trials: 9 complete, 3 pruned". */
export function countsText(counts: Record<TrialState, number>): string {
  const order: TrialState[] = ['complete', 'pruned', 'failed', 'running'];
  const total = order.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
  const parts = order.filter(s => counts[s]).map(s => `${counts[s]} ${s}`);
  return `${total} trial${total === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The best value so far after each complete trial, by trial number. */
export function bestSoFar(
  trials: ISweepTrial[],
  direction: 'maximize' | 'minimize'
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  let best: number | null = null;
  for (const trial of sortTrials(trials, { key: 'number', descending: false })) {
    const value = numeric(trial.value ?? undefined);
    if (value === null || trial.number === null) {
      continue;
    }
    if (best === null || (direction === 'maximize' ? value > best : value < best)) {
      best = value;
    }
    x.push(trial.number);
    y.push(best);
  }
  return { x, y };
}

/**
 * The optimization history, as Optuna draws it: each complete trial's value, the best value so
 * far as a line, and pruned trials where they stood when stopped (hollow, apart).
 */
export function historyTraces(
  trials: ISweepTrial[],
  metric: string,
  direction: 'maximize' | 'minimize'
): ITrace[] {
  const ordered = sortTrials(trials, { key: 'number', descending: false });
  const complete = ordered.filter(t => numeric(t.value ?? undefined) !== null);
  const pruned = ordered.filter(
    t => t.state === 'pruned' && numeric(t.last_value ?? undefined) !== null
  );
  const best = bestSoFar(trials, direction);
  const traces: ITrace[] = [
    {
      type: 'scatter',
      mode: 'markers',
      name: metric || 'value',
      x: complete.map(t => t.number),
      y: complete.map(t => t.value),
      text: complete.map(t => t.name),
      hovertemplate: '%{text}: %{y}<extra></extra>',
      marker: { size: 8 }
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: 'best so far',
      x: best.x,
      y: best.y,
      line: { shape: 'hv', width: 2 }
    }
  ];
  if (pruned.length) {
    traces.push({
      type: 'scatter',
      mode: 'markers',
      name: 'pruned (last value)',
      x: pruned.map(t => t.number),
      y: pruned.map(t => t.last_value),
      text: pruned.map(t => `${t.name} pruned after ${t.intermediate_values} values`),
      hovertemplate: '%{text}: %{y}<extra></extra>',
      marker: { size: 7, symbol: 'x-open', color: '#9e9e9e' }
    });
  }
  return traces;
}

/** Whether a numeric param reads better on a log scale (positive, spanning 2+ decades). */
export function logScaled(values: number[]): boolean {
  if (values.length < 2 || values.some(v => !(v > 0))) {
    return false;
  }
  return Math.max(...values) / Math.min(...values) >= 100;
}

/**
 * Parallel coordinates over the complete trials: one axis per param (log-scaled ones as powers
 * of ten, text ones as levels), the objective last, lines coloured by the objective.
 */
export function parallelTrace(trials: ISweepTrial[], metric: string): ITrace | null {
  const complete = trials.filter(t => numeric(t.value ?? undefined) !== null);
  if (!complete.length) {
    return null;
  }
  const dimensions: Record<string, unknown>[] = [];
  for (const key of paramNames(complete)) {
    const raw = complete.map(t => t.params[key]);
    if (raw.every(v => typeof v === 'number')) {
      const nums = raw as number[];
      if (logScaled(nums)) {
        const logs = nums.map(v => Math.log10(v));
        const low = Math.floor(Math.min(...logs));
        const high = Math.ceil(Math.max(...logs));
        const ticks = Array.from({ length: high - low + 1 }, (_, i) => low + i);
        dimensions.push({
          label: key,
          values: logs,
          range: [low, high],
          tickvals: ticks,
          ticktext: ticks.map(k => `1e${k}`)
        });
      } else {
        dimensions.push({ label: key, values: nums });
      }
    } else {
      const text = raw.map(v => (v === undefined ? '' : String(v)));
      const levels = Array.from(new Set(text)).sort();
      dimensions.push({
        label: key,
        values: text.map(v => levels.indexOf(v)),
        tickvals: levels.map((_, i) => i),
        ticktext: levels
      });
    }
  }
  const values = complete.map(t => numeric(t.value ?? undefined) as number);
  dimensions.push({ label: metric || 'value', values });
  return {
    type: 'parcoords',
    // Below the title: the axes' labels and ranges are drawn above the axes.
    domain: { x: [0.06, 0.94], y: [0, 0.76] },
    dimensions,
    line: { color: values, showscale: true, colorbar: { title: { text: metric } } }
  };
}
