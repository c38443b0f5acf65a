/**
 * The Run and Compare views' logic, free of React and the DOM so jest can hold it: which
 * metrics are lines and which are numbers, the best value per metric, the params that differ,
 * and the plotly figures (themed by the caller).
 */
import { MetricValue } from '../tokens';
import { Histories, IHistory, IRunFull } from './types';

export const MIN_COMPARE = 2;
export const MAX_COMPARE = 20;

/** A metric is drawn as a line when more than one step was logged; otherwise it is a number. */
export function splitMetrics<T extends { total: number }>(
  metrics: Record<string, MetricValue>,
  histories: Record<string, T>
): { stepped: string[]; single: string[] } {
  const keys = Array.from(new Set([...Object.keys(metrics), ...Object.keys(histories)])).sort();
  const stepped = keys.filter(k => (histories[k]?.total ?? 0) > 1);
  return { stepped, single: keys.filter(k => !stepped.includes(k)) };
}

/** Whether a lower value of the metric is better, read from its name (loss, error, rmse...). */
export function lowerIsBetter(key: string): boolean {
  return /(loss|err|error|rmse|mse|mae|mape|latency|time|duration|perplexity)/i.test(key);
}

export function numeric(value: MetricValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The ids of the runs holding the best value of `key` (ties all win; none if no numbers). */
export function bestRuns(runs: IRunFull[], key: string): string[] {
  const values = runs
    .map(r => [r.id, numeric(r.metrics[key])] as const)
    .filter((p): p is readonly [string, number] => p[1] !== null);
  if (values.length < 2) {
    return [];
  }
  const pick = lowerIsBetter(key) ? Math.min : Math.max;
  const best = pick(...values.map(p => p[1]));
  return values.filter(p => p[1] === best).map(p => p[0]);
}

/** Param keys of the runs; with `onlyDiffering`, those whose values are not all the same. */
export function paramKeys(runs: IRunFull[], onlyDiffering: boolean): string[] {
  const keys = Array.from(new Set(runs.flatMap(r => Object.keys(r.params)))).sort();
  if (!onlyDiffering) {
    return keys;
  }
  return keys.filter(k => new Set(runs.map(r => r.params[k] ?? '\u0000missing')).size > 1);
}

export function metricKeys(runs: IRunFull[]): string[] {
  return Array.from(new Set(runs.flatMap(r => Object.keys(r.metrics)))).sort();
}

/** Checks the number of runs a comparison takes; the message says what to do. */
export function compareProblem(ids: string[]): string | null {
  const distinct = new Set(ids).size;
  if (distinct < MIN_COMPARE) {
    return `Select at least ${MIN_COMPARE} runs to compare (ticked: ${distinct}).`;
  }
  if (distinct > MAX_COMPARE) {
    return `Compare takes at most ${MAX_COMPARE} runs; untick ${distinct - MAX_COMPARE}.`;
  }
  return null;
}

export interface ITrace {
  [key: string]: unknown;
}

/** One line per run for a stepped metric (the overlaid histories of Compare). */
export function historyTraces(
  key: string,
  runs: { id: string; name: string; histories: Histories }[]
): ITrace[] {
  return runs
    .filter(r => r.histories[key])
    .map(r => ({
      type: 'scattergl',
      mode: 'lines',
      name: r.name,
      x: r.histories[key].steps,
      y: r.histories[key].values,
      meta: r.id
    }));
}

/** Bars for a single-value metric: one bar per run, its value written on it. */
export function barTrace(key: string, runs: IRunFull[]): ITrace {
  const have = runs.filter(r => numeric(r.metrics[key]) !== null);
  const values = have.map(r => numeric(r.metrics[key]) as number);
  return {
    type: 'bar',
    name: key,
    x: have.map(r => r.name),
    y: values,
    text: values.map(v => formatNumber(v)),
    textposition: 'auto',
    hovertemplate: '%{x}: %{y}<extra></extra>'
  };
}

/** Parallel coordinates over chosen params (numeric or categorical) and metrics. */
export function parallelTrace(runs: IRunFull[], params: string[], metrics: string[]): ITrace {
  const dims: Record<string, unknown>[] = [];
  for (const key of params) {
    const raw = runs.map(r => r.params[key] ?? '');
    const nums = raw.map(v => Number(v));
    if (raw.every(v => v !== '') && nums.every(Number.isFinite)) {
      dims.push({ label: key, values: nums });
    } else {
      const levels = Array.from(new Set(raw)).sort();
      dims.push({
        label: key,
        values: raw.map(v => levels.indexOf(v)),
        tickvals: levels.map((_, i) => i),
        ticktext: levels
      });
    }
  }
  for (const key of metrics) {
    dims.push({ label: key, values: runs.map(r => numeric(r.metrics[key]) ?? NaN) });
  }
  const colorKey = metrics[0];
  return {
    type: 'parcoords',
    dimensions: dims,
    line: colorKey
      ? { color: runs.map(r => numeric(r.metrics[colorKey]) ?? 0), showscale: true }
      : {}
  };
}

/** The value of a run on an axis a user picked: `params.X` or `metrics.Y`. */
export function axisValue(run: IRunFull, axis: string): number | string | null {
  const [kind, ...rest] = axis.split('.');
  const key = rest.join('.');
  if (kind === 'params') {
    const v = run.params[key];
    if (v === undefined) {
      return null;
    }
    return Number.isFinite(Number(v)) && v !== '' ? Number(v) : v;
  }
  return numeric(run.metrics[key]);
}

export function scatterTrace(runs: IRunFull[], x: string, y: string): ITrace {
  const points = runs
    .map(r => ({ r, x: axisValue(r, x), y: axisValue(r, y) }))
    .filter(p => p.x !== null && p.y !== null);
  return {
    type: 'scatter',
    mode: 'markers+text',
    x: points.map(p => p.x),
    y: points.map(p => p.y),
    text: points.map(p => p.r.name),
    textposition: 'top center',
    marker: { size: 10 }
  };
}

export function formatNumber(value: number): string {
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  return abs >= 1e5 || abs < 1e-3 ? value.toExponential(3) : String(Number(value.toPrecision(5)));
}

/** A duration in seconds as a person reads it: 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return 'running';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** Rows of a key/value table whose key or value contains `search` (case-insensitive). */
export function searchRows(values: Record<string, string>, search: string): [string, string][] {
  const needle = search.trim().toLowerCase();
  return Object.entries(values)
    .filter(([k, v]) => !needle || k.toLowerCase().includes(needle) || v.toLowerCase().includes(needle))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A model lineage ref ("churn/3", "churn@3" or "churn:3") as name and version. */
export function parseModelRef(ref: string): { name: string; version: number } | null {
  const match = /^(.+?)[/@:]v?(\d+)$/.exec(ref);
  return match ? { name: match[1], version: Number(match[2]) } : null;
}

/** The id a run or comparison view gets: one widget per object. */
export function runViewId(id: string): string {
  return `jupyter-mlops-run-${id}`;
}

export function compareViewId(ids: string[]): string {
  return `jupyter-mlops-compare-${[...ids].sort().join('-')}`;
}

// -- the Runs tab's tree and columns -----------------------------------------------------------

export interface ITreeRow<T> {
  run: T;
  depth: number;
  hasChildren: boolean;
}

/**
 * Runs in tree order: each run followed by its children (those whose parent is on the page),
 * unless the parent is collapsed. A run whose parent is not on the page is a root.
 */
export function treeRows<T extends { id: string; parent_id: string | null }>(
  runs: T[],
  collapsed: ReadonlySet<string>
): ITreeRow<T>[] {
  const ids = new Set(runs.map(r => r.id));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const run of runs) {
    if (run.parent_id && ids.has(run.parent_id) && run.parent_id !== run.id) {
      const list = children.get(run.parent_id) ?? [];
      list.push(run);
      children.set(run.parent_id, list);
    } else {
      roots.push(run);
    }
  }
  const out: ITreeRow<T>[] = [];
  const seen = new Set<string>();
  const visit = (run: T, depth: number): void => {
    if (seen.has(run.id)) {
      return; // a cycle in bad data must not hang the tab
    }
    seen.add(run.id);
    const kids = children.get(run.id) ?? [];
    out.push({ run, depth, hasChildren: kids.length > 0 });
    if (!collapsed.has(run.id)) {
      kids.forEach(kid => visit(kid, depth + 1));
    }
  };
  roots.forEach(root => visit(root, 0));
  return out;
}

export const BASE_COLUMNS = ['name', 'experiment', 'status', 'start_time', 'duration'];

/** The columns to show: the chosen ones that exist, in the order given, never empty. */
export function visibleColumns(chosen: string[] | null | undefined, available: string[]): string[] {
  const all = [...BASE_COLUMNS, ...available];
  const picked = (chosen ?? []).filter(c => all.includes(c));
  return picked.length ? picked : ['name', 'experiment', 'status', 'start_time', ...available];
}

/** A notebook's path as docmanager:open wants it, or the one-line reason it cannot be opened. */
export function notebookTarget(
  location: { relative: string | null; exists: boolean; message: string | null } | null
): { path: string } | { message: string } {
  if (!location) {
    return { message: 'This run was not started from a notebook.' };
  }
  if (location.relative === null || !location.exists) {
    return { message: location.message ?? 'The notebook cannot be opened.' };
  }
  return { path: location.relative };
}

/**
 * The runs filter that finds the runs a notebook tracked: the server stores the notebook's
 * absolute path and the lab knows it relative to the root, so the stored path must end with
 * "/" + the relative one (like-escaped, quotes doubled).
 */
export function notebookRunFilter(path: string): string | null {
  const relative = path.replace(/^\/+/, '');
  if (!relative) {
    return null;
  }
  const escaped = relative.replace(/[\\%_]/g, '\\$&').replace(/'/g, "''");
  return `source_path like '%/${escaped}'`;
}

/** The status bar's text for the run a notebook tracks. */
export function statusText(run: { name: string; status: string } | null): string {
  return run ? `MLOps: ${run.name} · ${run.status.toLowerCase()}` : '';
}

// -- source highlighting -------------------------------------------------------------------------

export interface IToken {
  kind: 'keyword' | 'string' | 'comment' | 'number' | 'magic' | 'text';
  text: string;
}

const PY_KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield').split(' ')
);
const TOKEN =
  /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(^%%?\w+)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_]\w*)/gm;

/** Python source cut into tokens for colouring (comments, strings, keywords, numbers, magics). */
export function highlightPython(source: string): IToken[] {
  const out: IToken[] = [];
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    if (index > last) {
      out.push({ kind: 'text', text: source.slice(last, index) });
    }
    const [text, comment, string, magic, number, word] = match;
    const kind = comment
      ? 'comment'
      : string
        ? 'string'
        : magic
          ? 'magic'
          : number
            ? 'number'
            : word && PY_KEYWORDS.has(word)
              ? 'keyword'
              : 'text';
    out.push({ kind, text });
    last = index + text.length;
  }
  if (last < source.length) {
    out.push({ kind: 'text', text: source.slice(last) });
  }
  return out;
}

/** The most keys one batched request asks for, so each answer stays small and quick. */
export const MAX_BATCH = 20;

/**
 * Loads values by key, batching the keys asked for in the same turn (the charts that scroll
 * into view in one frame) into one request of at most `MAX_BATCH` keys. A key asked for again
 * gets the same promise; a failed request forgets its keys so a later ask retries them.
 */
export class KeyBatcher<T> {
  constructor(
    private readonly fetchKeys: (keys: string[]) => Promise<Record<string, T>>,
    private readonly schedule: (flush: () => void) => void = flush => setTimeout(flush, 0)
  ) {}

  /** The value of `key`, or undefined when the answer holds none for it. */
  load(key: string): Promise<T | undefined> {
    const known = this.asked.get(key);
    if (known) {
      return known;
    }
    const promise = new Promise<T | undefined>((resolve, reject) => {
      this.waiting.set(key, { resolve, reject });
    });
    this.asked.set(key, promise);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
    return promise;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = Array.from(this.waiting.entries());
    this.waiting.clear();
    for (let i = 0; i < batch.length; i += MAX_BATCH) {
      const part = batch.slice(i, i + MAX_BATCH);
      this.fetchKeys(part.map(([key]) => key)).then(
        values => part.forEach(([key, w]) => w.resolve(values[key])),
        reason => {
          part.forEach(([key, w]) => {
            this.asked.delete(key);
            w.reject(reason);
          });
        }
      );
    }
  }

  private readonly asked = new Map<string, Promise<T | undefined>>();
  private readonly waiting = new Map<
    string,
    { resolve: (value: T | undefined) => void; reject: (reason: unknown) => void }
  >();
  private scheduled = false;
}

/** One metric's histories across the compared runs, from `compare`'s `{run: {key: h}}`. */
export function historiesByKey(
  histories: Record<string, Histories>,
  keys: string[]
): Record<string, Record<string, IHistory>> {
  const out: Record<string, Record<string, IHistory>> = {};
  for (const key of keys) {
    out[key] = {};
    for (const [run, byKey] of Object.entries(histories)) {
      if (byKey[key]) {
        out[key][run] = byKey[key];
      }
    }
  }
  return out;
}

/** The metrics stepped in any compared run (lines) and the others (bars), each sorted. */
export function compareSplit(
  metrics: string[],
  stepped: Record<string, string[]>
): { stepped: string[]; single: string[] } {
  const lines = new Set(Object.values(stepped).flat());
  return {
    stepped: Array.from(lines).sort(),
    single: metrics.filter(k => !lines.has(k)).sort()
  };
}
