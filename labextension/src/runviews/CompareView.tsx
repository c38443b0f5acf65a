import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { formatMetric } from '../model';
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
import { useLoadedWhenSeen } from './RunMetrics';
import { ICompare, IHistory, IRunFull } from './types';

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
  const metrics = metricKeys(runs);
  const params = paramKeys(runs, !allParams);
  // Stepped in any run: overlaid lines; otherwise one bar per run.
  const { stepped, single } = compareSplit(metrics, props.data.stepped ?? {});
  // Each history chart asks for its metric across the runs when it scrolls into view; the
  // charts seen in one frame share one request.
  const loader = React.useMemo(
    () =>
      new KeyBatcher<ByRun>(async keys =>
        historiesByKey((await getCompare(props.settings, props.ids, keys)).histories, keys)
      ),
    [props.ids.join(',')]
  );
  React.useEffect(() => {
    if (stepped.length) {
      void import('plotly.js-dist-min');
    }
  }, [stepped.length > 0]);
  const axes = [...paramKeys(runs, false).map(k => `params.${k}`), ...metrics.map(k => `metrics.${k}`)];
  const [x, setX] = React.useState(axes.find(a => a.startsWith('params.')) ?? axes[0] ?? '');
  const [y, setY] = React.useState(axes.find(a => a.startsWith('metrics.')) ?? axes[1] ?? '');
  return (
    <div className="jp-mlops-view jp-mlops-compareview">
      <header className="jp-mlops-view-header">
        <h1>Comparing {runs.length} runs</h1>
      </header>
      <section>
        <h2>Metrics</h2>
        <div className="jp-mlops-table-wrap">
          <table className="jp-mlops-table jp-mlops-compare-table">
            <thead>
              <tr>
                <th>Metric</th>
                {runs.map(r => (
                  <th key={r.id}>
                    <button className="jp-mlops-link" onClick={() => props.openRun(r.id)}>
                      {r.name}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {metrics.map(k => {
                const best = bestRuns(runs, k);
                return (
                  <tr key={k} data-metric={k}>
                    <th scope="row">{k}</th>
                    {runs.map(r => (
                      <td
                        key={r.id}
                        className={`jp-mlops-number${best.includes(r.id) ? ' jp-mlops-best' : ''}`}
                        title={best.includes(r.id) ? 'best' : undefined}
                      >
                        {formatMetric(r.metrics[k])}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
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
            <table className="jp-mlops-table jp-mlops-params-table">
              <thead>
                <tr>
                  <th>Param</th>
                  {runs.map(r => (
                    <th key={r.id}>{r.name}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {params.map(k => (
                  <tr key={k} data-param={k}>
                    <th scope="row">{k}</th>
                    {runs.map(r => (
                      <td key={r.id}>{r.params[k] ?? '—'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
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
              <div key={k} className="jp-mlops-chart-cell jp-mlops-bar-chart" data-metric={k}>
                <Plot data={[barTrace(k, runs)]} layout={{ title: { text: k }, height: 260, showlegend: false }} label={`${k} per run`} />
              </div>
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
          <Plot
            className="jp-mlops-parcoords"
            data={[parallelTrace(runs, paramKeys(runs, true), metrics)]}
            layout={{ height: 340, margin: { l: 60, r: 60, t: 50, b: 30 } }}
            label="Parallel coordinates of params and metrics"
          />
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
          <div className="jp-mlops-scatter">
            <Plot
              data={[scatterTrace(runs, x, y)]}
              layout={{ height: 340, xaxis: { title: { text: x } }, yaxis: { title: { text: y } } }}
              label={`Scatter of ${y} against ${x}`}
            />
          </div>
        </section>
      ) : null}
    </div>
  );
}

/** One metric's lines, one per run: fetched and drawn once the chart scrolls into view. */
function LazyHistoryChart(props: { metric: string; runs: IRunFull[]; loader: KeyBatcher<ByRun> }): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const loaded = useLoadedWhenSeen(ref, props.loader, props.metric);
  const error = loaded.error;
  const byRun = loaded.value === undefined ? null : (loaded.value ?? {});
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
  }, [byRun, props.runs]);
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
}
