/** The Run view's params (searchable) and metrics: numbers for single values, lines by step. */
import * as React from 'react';

import { formatMetric } from '../model';
import { loadPlotly } from '../plotly';
import { KeyBatcher, searchRows, splitMetrics } from './logic';
import { Plot } from './Plot';
import { IHistory, IRunView } from './types';
import { VirtualTable } from './VirtualTable';

export function Params(props: { params: Record<string, string> }): JSX.Element {
  const [search, setSearch] = React.useState('');
  const rows = searchRows(props.params, search);
  return (
    <section className="jp-mlops-params">
      <h2>Params ({Object.keys(props.params).length})</h2>
      <input
        className="jp-mlops-filter-input"
        aria-label="Search params"
        placeholder="Search params"
        value={search}
        onChange={e => setSearch(e.target.value)}
      />
      {rows.length ? (
        <VirtualTable label="Params" columns={['Param', 'Value']} rows={rows} />
      ) : (
        <div className="jp-mlops-empty">{search ? 'No param matches.' : 'No params logged.'}</div>
      )}
    </section>
  );
}

/** Loads a metric's history on demand: the charts in view share one request a frame. */
export type HistoryLoader = KeyBatcher<IHistory>;

export function Metrics(props: { run: IRunView; loader: HistoryLoader }): JSX.Element {
  const { metrics } = props.run.run;
  const stats = props.run.metric_stats;
  const { stepped, single } = splitMetrics(metrics, stats);
  const [search, setSearch] = React.useState('');
  const shown = stepped.filter(k => k.toLowerCase().includes(search.trim().toLowerCase()));
  React.useEffect(() => {
    // plotly.js's basic bundle (lines) loads while the first charts' histories are on their way,
    // unless the lab's idle-time preload has loaded it already.
    if (stepped.length) {
      void loadPlotly('basic').catch(() => undefined);
    }
  }, [stepped.length > 0]);
  return (
    <section className="jp-mlops-metrics">
      <h2>Metrics ({Object.keys(metrics).length})</h2>
      {single.length ? (
        <div className="jp-mlops-numbers">
          {single.map(k => (
            <div key={k} className="jp-mlops-number-card" data-metric={k}>
              <div className="jp-mlops-number-value">{formatMetric(metrics[k])}</div>
              <div className="jp-mlops-number-label">{k}</div>
            </div>
          ))}
        </div>
      ) : null}
      {stepped.length ? (
        <>
          <VirtualTable
            label="Metrics"
            columns={['Metric', 'Last', 'Min', 'Max', 'Steps']}
            rows={stepped.map(k => {
              const s = stats[k];
              return [
                k,
                formatMetric(metrics[k]),
                s?.min !== null && s?.min !== undefined ? formatMetric(s.min) : '',
                s?.max !== null && s?.max !== undefined ? formatMetric(s.max) : '',
                String(s?.total ?? '')
              ];
            })}
          />
          {stepped.length > 6 ? (
            <input
              className="jp-mlops-filter-input"
              aria-label="Filter charts"
              placeholder="Filter charts by metric name"
              value={search}
              onChange={e => setSearch(e.target.value)}
            />
          ) : null}
          <div className="jp-mlops-chart-grid">
            {shown.map(k => (
              <LazyChart key={k} metric={k} loader={props.loader} />
            ))}
          </div>
        </>
      ) : null}
    </section>
  );
}

/**
 * Calls `onSeen` once the node comes within 200 px of the visible part of the view, so 100
 * charts neither draw nor fetch before they are looked at.
 */
export function useSeen(ref: React.RefObject<HTMLElement>, onSeen?: () => void): boolean {
  const [seen, setSeen] = React.useState(false);
  const latest = React.useRef(onSeen);
  latest.current = onSeen;
  React.useEffect(() => {
    const node = ref.current;
    if (!node || seen) {
      return;
    }
    const observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) {
        // Asked here, in the observer's task, so the charts seen in one frame batch together.
        latest.current?.();
        setSeen(true);
        observer.disconnect();
      }
    }, { rootMargin: '200px' });
    observer.observe(node);
    return () => observer.disconnect();
  }, [seen]);
  return seen;
}

/**
 * `key`'s value from `loader` once `ref`'s node scrolls into view (or the error's text); a new
 * loader (a refresh of a running run) reads it again.
 */
export function useLoadedWhenSeen<T>(
  ref: React.RefObject<HTMLElement>,
  loader: KeyBatcher<T>,
  key: string
): { value: T | null | undefined; error: string | null } {
  const seen = useSeen(ref, () => void loader.load(key).catch(() => undefined));
  const [value, setValue] = React.useState<T | null | undefined>(undefined);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (!seen) {
      return;
    }
    let cancelled = false;
    loader.load(key).then(
      v => !cancelled && setValue(v ?? null),
      reason => !cancelled && setError(String(reason?.message ?? reason))
    );
    return () => {
      cancelled = true;
    };
  }, [seen, loader]);
  return { value, error };
}

/** A metric's line chart: its history is fetched and drawn once it scrolls into view. */
function LazyChart(props: { metric: string; loader: HistoryLoader }): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const loaded = useLoadedWhenSeen(ref, props.loader, props.metric);
  const error = loaded.error;
  const history =
    loaded.value === undefined ? null : (loaded.value ?? { total: 0, downsampled: false, steps: [], values: [] });
  const data = React.useMemo(
    () => (history ? [{ type: 'scatter', mode: 'lines', x: history.steps, y: history.values, name: props.metric }] : []),
    [history]
  );
  const layout = React.useMemo(
    () => ({
      title: { text: props.metric + (history?.downsampled ? ` (${history.total} steps, downsampled)` : '') },
      height: 220,
      showlegend: false,
      xaxis: { title: { text: 'step' } }
    }),
    [history, props.metric]
  );
  return (
    <div ref={ref} className="jp-mlops-chart-cell" data-metric={props.metric}>
      {error ? <div className="jp-mlops-error">{error}</div> : null}
      {history ? <Plot data={data} layout={layout} label={`${props.metric} by step`} /> : null}
    </div>
  );
}
