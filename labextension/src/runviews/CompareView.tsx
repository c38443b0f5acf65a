import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { formatMetric } from '../model';
import { loadPlotly } from '../plotly';
import { getCompare } from './api';
import {
  barTrace,
  bestRuns,
  compareSplit,
  historiesByKey,
  historyTraces,
  KeyBatcher,
  metricKeys,
  paramKeys,
  parallelTrace,
  scatterTrace
} from './logic';
import { Plot } from './Plot';
import { useLoadedWhenSeen, useSeen } from './RunMetrics';
import { ICompare, IHistory, IRunFull } from './types';
import { minTableWidth, VirtualTable } from './VirtualTable';

/** One metric's history in each compared run that has it, by run id. */
type ByRun = Record<string, IHistory>;

export interface ICompareViewProps {
  settings: ServerConnection.ISettings;
  ids: string[];
  openRun: (id: string) => void;
}

/** 2-20 runs side by side: metrics (best marked), params, histories, bars, parallel, scatter. */
export function CompareView(props: ICompareViewProps): JSX.Element {
  const [data, setData] = React.useState<ICompare | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    getCompare(props.settings, props.ids).then(setData, reason => setError(String(reason.message ?? reason)));
  }, [props.ids.join(',')]);
  if (error) {
    return <div className="jp-mlops-error jp-mlops-view-error">{error}</div>;
  }
  if (!data) {
    return <div className="jp-mlops-empty">Loading {props.ids.length} runs…</div>;
  }
  return <Loaded {...props} data={data} />;
}

function Loaded(props: ICompareViewProps & { data: ICompare }): JSX.Element {
  const { runs } = props.data;
  const [allParams, setAllParams] = React.useState(false);
  // Derived once per answer: a new array on every render would redraw every chart whose
  // traces it feeds (the parallel coordinates alone cost a second) when a select changes.
  const metrics = React.useMemo(() => metricKeys(runs), [runs]);
  const params = React.useMemo(() => paramKeys(runs, !allParams), [runs, allParams]);
  // Stepped in any run: overlaid lines; otherwise one bar per run.
  const { stepped, single } = React.useMemo(
    () => compareSplit(metrics, props.data.stepped ?? {}),
    [metrics, props.data.stepped]
  );
  // Each history chart asks for its metric across the runs when it scrolls into view. The
  // charts seen in one frame ask at once, but each in its own request: the server reads one
  // key's histories in about 140 ms for 10 runs x 10,000 steps and runs requests side by side,
  // while one request of n keys costs more than n of one (2: 280 ms, 4: 640 ms, 8: 1.8 s).
  const loader = React.useMemo(
    () =>
      new KeyBatcher<ByRun>(async keys => {
        const answers = await Promise.all(keys.map(k => getCompare(props.settings, props.ids, [k])));
        return Object.assign({}, ...answers.map((a, i) => historiesByKey(a.histories, [keys[i]])));
      }),
    [props.ids.join(',')]
  );
  const axes = React.useMemo(
    () => [...paramKeys(runs, false).map(k => `params.${k}`), ...metrics.map(k => `metrics.${k}`)],
    [runs, metrics]
  );
  React.useEffect(() => {
    // plotly.js's basic bundle (the first screen's lines and bars) loads once the tables are up,
    // while the histories of the first charts are on their way: at the view's mount its
    // evaluation would hold back the tables. The full bundle (parallel coordinates) loads only
    // when that chart scrolls into view.
    void loadPlotly('basic').catch(() => undefined);
  }, []);
  const [x, setX] = React.useState(axes.find(a => a.startsWith('params.')) ?? axes[0] ?? '');
  const [y, setY] = React.useState(axes.find(a => a.startsWith('metrics.')) ?? axes[1] ?? '');
  const metricRows = React.useMemo(
    () =>
      metrics.map(k => {
        const best = bestRuns(runs, k);
        return [
          k,
          ...runs.map(r =>
            best.includes(r.id) ? (
              <span className="jp-mlops-number jp-mlops-best" title="best">
                {formatMetric(r.metrics[k])}
              </span>
            ) : (
              <span className="jp-mlops-number">{formatMetric(r.metrics[k])}</span>
            )
          )
        ];
      }),
    [runs, metrics]
  );
  const paramRows = React.useMemo(
    () => params.map(k => [k, ...runs.map(r => r.params[k] ?? '—')]),
    [runs, params]
  );
  const runColumns = React.useMemo(
    () =>
      runs.map(r => (
        <button key={r.id} className="jp-mlops-link" title={r.name} onClick={() => props.openRun(r.id)}>
          {r.name}
        </button>
      )),
    [runs, props.openRun]
  );
  const width = { minWidth: minTableWidth(runs.length + 1) };
  const parallel = React.useMemo(() => [parallelTrace(runs, paramKeys(runs, true), metrics)], [runs, metrics]);
  const scatter = React.useMemo(() => [scatterTrace(runs, x, y)], [runs, x, y]);
  const scatterLayout = React.useMemo(
    () => ({ height: 340, xaxis: { title: { text: x } }, yaxis: { title: { text: y } } }),
    [x, y]
  );
  return (
    <div className="jp-mlops-view jp-mlops-compareview">
      <header className="jp-mlops-view-header">
        <h1>Comparing {runs.length} runs</h1>
      </header>
      <section>
        <h2>Metrics ({metrics.length})</h2>
        {/* Virtualized: 100 metrics x 20 runs stay a screenful of rows, the charts below in view. */}
        <div className="jp-mlops-table-wrap">
          <div style={width}>
            <VirtualTable
              className="jp-mlops-compare-table"
              label="Metrics of the compared runs (best marked)"
              columns={['Metric', ...runColumns]}
              rows={metricRows}
              rowData={i => ({ metric: metrics[i] })}
            />
          </div>
        </div>
      </section>
      <section>
        <h2>
          Params{' '}
          <label className="jp-mlops-toggle">
            <input type="checkbox" checked={allParams} onChange={e => setAllParams(e.target.checked)} /> show all
            (not only those that differ)
          </label>
        </h2>
        {params.length ? (
          <div className="jp-mlops-table-wrap">
            <div style={width}>
              <VirtualTable
                className="jp-mlops-params-table"
                label="Params of the compared runs"
                columns={['Param', ...runs.map(r => r.name)]}
                rows={paramRows}
                rowData={i => ({ param: params[i] })}
                maxVisible={8}
              />
            </div>
          </div>
        ) : (
          <div className="jp-mlops-empty">All params are the same.</div>
        )}
      </section>
      {single.length ? (
        <section>
          <h2>Single-value metrics</h2>
          <div className="jp-mlops-chart-grid">
            {single.map(k => (
              <LazyBarChart key={k} metric={k} runs={runs} />
            ))}
          </div>
        </section>
      ) : null}
      {stepped.length ? (
        <section>
          <h2>Histories</h2>
          <div className="jp-mlops-chart-grid">
            {stepped.map(k => (
              <LazyHistoryChart key={k} metric={k} runs={runs} loader={loader} />
            ))}
          </div>
        </section>
      ) : null}
      {axes.length >= 2 ? (
        <section>
          <h2>Parallel coordinates</h2>
          {/* WebGL drawn (in software on many machines): about a second for 100 axes, so only
              once it scrolls into view. */}
          <WhenSeen className="jp-mlops-parcoords-cell" height={340}>
            <Plot
              className="jp-mlops-parcoords"
              data={parallel}
              layout={PARALLEL_LAYOUT}
              config={PARALLEL_CONFIG}
              label="Parallel coordinates of params and metrics"
            />
          </WhenSeen>
          <h2>Scatter</h2>
          <div className="jp-mlops-axes">
            <label>
              x{' '}
              <select aria-label="Scatter x axis" value={x} onChange={e => setX(e.target.value)}>
                {axes.map(a => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
            <label>
              y{' '}
              <select aria-label="Scatter y axis" value={y} onChange={e => setY(e.target.value)}>
                {axes.map(a => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
          </div>
          <WhenSeen className="jp-mlops-scatter" height={340}>
            <Plot data={scatter} layout={scatterLayout} label={`Scatter of ${y} against ${x}`} />
          </WhenSeen>
        </section>
      ) : null}
    </div>
  );
}

const PARALLEL_LAYOUT = { height: 340, margin: { l: 60, r: 60, t: 50, b: 30 } };
/**
 * The lines' canvases at the screen's own pixel ratio: plotly's default of 2 quadruples the
 * pixels a 1x screen's GPU (or the software rasterizer without one) fills for each of 100 axes.
 */
const PARALLEL_CONFIG = { plotGlPixelRatio: Math.min(Math.max(window.devicePixelRatio || 1, 1), 4) };

/** Its children once the box comes near the visible part of the view; till then an empty box. */
function WhenSeen(props: { className: string; height: number; children: React.ReactNode }): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const seen = useSeen(ref);
  return (
    <div ref={ref} className={`jp-mlops-lazy ${props.className}`} style={{ minHeight: props.height }}>
      {seen ? props.children : null}
    </div>
  );
}

/** One bar per run for a single-value metric, drawn once it scrolls into view. */
const LazyBarChart = React.memo(function LazyBarChart(props: { metric: string; runs: IRunFull[] }): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const seen = useSeen(ref);
  const data = React.useMemo(() => [barTrace(props.metric, props.runs)], [props.metric, props.runs]);
  const layout = React.useMemo(
    () => ({ title: { text: props.metric }, height: 260, showlegend: false }),
    [props.metric]
  );
  return (
    <div ref={ref} className="jp-mlops-chart-cell jp-mlops-bar-chart" data-metric={props.metric}>
      {seen ? <Plot data={data} layout={layout} label={`${props.metric} per run`} /> : null}
    </div>
  );
});

/** One metric's lines, one per run: fetched and drawn once the chart scrolls into view. */
const LazyHistoryChart = React.memo(function LazyHistoryChart(props: {
  metric: string;
  runs: IRunFull[];
  loader: KeyBatcher<ByRun>;
}): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const loaded = useLoadedWhenSeen(ref, props.loader, props.metric);
  const error = loaded.error;
  const byRun = React.useMemo(
    () => (loaded.value === undefined ? null : (loaded.value ?? {})),
    [loaded.value]
  );
  const data = React.useMemo(() => {
    if (!byRun) {
      return [];
    }
    const named = props.runs.map(r => ({
      id: r.id,
      name: r.name,
      histories: byRun[r.id] ? { [props.metric]: byRun[r.id] } : {}
    }));
    return historyTraces(props.metric, named).map(t => ({ ...t, type: 'scatter' }));
  }, [byRun, props.runs, props.metric]);
  const layout = React.useMemo(
    () => ({ title: { text: props.metric }, height: 280, xaxis: { title: { text: 'step' } } }),
    [props.metric]
  );
  return (
    <div ref={ref} className="jp-mlops-chart-cell jp-mlops-history-chart" data-metric={props.metric}>
      {error ? <div className="jp-mlops-error">{error}</div> : null}
      {byRun ? <Plot data={data} layout={layout} label={`${props.metric} by step, one line per run`} /> : null}
    </div>
  );
});
