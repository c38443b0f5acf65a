/** The Sweep view: a sweep's best trial and counts, its trials, history and parallel coordinates. */
import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { useLoad } from '../hooks';
import { shortId } from '../model';
import { formatDuration, formatNumber, numeric } from '../runviews/logic';
import { Plot } from '../runviews/Plot';
import { getSweep } from './api';
import {
  countsText,
  formatParam,
  historyTraces,
  ISort,
  paramNames,
  parallelTrace,
  sortTrials
} from './logic';
import { TrialsTable } from './TrialsTable';
import { ISweepView } from './types';

export interface ISweepViewProps {
  settings: ServerConnection.ISettings;
  id: string;
  /** Poll interval (ms) while the sweep is RUNNING. */
  pollMs: number;
  openRun: (id: string) => void;
  /** Called once the sweep's name is known (the tab's title). */
  onLoaded?: (view: ISweepView) => void;
}

export function SweepView(props: ISweepViewProps): JSX.Element {
  // A RUNNING sweep is read again every poll interval while the page is visible.
  const load = useLoad(() => getSweep(props.settings, props.id), props.id, {
    pollWhile: v => v.sweep.status === 'RUNNING',
    pollMs: props.pollMs
  });
  const view = load.value;
  React.useEffect(() => {
    if (view) {
      props.onLoaded?.(view);
    }
  }, [view]);
  if (load.error && !view) {
    return <div className="jp-mlops-error jp-mlops-view-error">{load.error}</div>;
  }
  if (!view) {
    return <div className="jp-mlops-empty">Loading sweep {shortId(props.id)}…</div>;
  }
  return <Loaded {...props} view={view} refresh={load.reload} />;
}

function Loaded(props: ISweepViewProps & { view: ISweepView; refresh: () => void }): JSX.Element {
  const { sweep, trials } = props.view;
  const [sort, setSort] = React.useState<ISort>({ key: 'number', descending: false });
  const ordered = React.useMemo(() => sortTrials(trials, sort), [trials, sort]);
  const params = React.useMemo(() => paramNames(trials), [trials]);
  const history = React.useMemo(
    () => historyTraces(trials, sweep.metric, sweep.direction),
    [trials, sweep.metric, sweep.direction]
  );
  const parallel = React.useMemo(() => parallelTrace(trials, sweep.metric), [trials, sweep.metric]);
  const best = sweep.best;
  const bestValue = best ? numeric(best.value) : null;
  const historyLayout = React.useMemo(
    () => ({
      title: { text: 'Optimization history' },
      height: 320,
      xaxis: { title: { text: 'trial' } },
      yaxis: { title: { text: sweep.metric } },
      legend: { orientation: 'h', y: -0.25 }
    }),
    [sweep.metric]
  );
  const parallelLayout = React.useMemo(
    () => ({ title: { text: `Params → ${sweep.metric}` }, height: 340 }),
    [sweep.metric]
  );
  return (
    <div className="jp-mlops-view jp-mlops-sweepview" data-run-id={sweep.id} data-status={sweep.status}>
      <header className="jp-mlops-view-header">
        <h1>{sweep.name}</h1>
        <span className={`jp-mlops-badge jp-mlops-status-${sweep.status.toLowerCase()}`}>{sweep.status}</span>
        <span className="jp-mlops-chip">
          {sweep.direction} {sweep.metric}
        </span>
        {sweep.sampler ? <span className="jp-mlops-chip">sampler {sweep.sampler}</span> : null}
        <span className="jp-mlops-chip">pruner {sweep.pruner ?? 'none'}</span>
        <button className="jp-mlops-button" onClick={() => props.openRun(sweep.id)}>
          Open sweep run
        </button>
        <button className="jp-mlops-button" onClick={props.refresh} aria-label="Refresh this sweep">
          Refresh
        </button>
      </header>
      <p className="jp-mlops-sweep-sub">
        Study <code>{sweep.study}</code> in experiment {sweep.experiment} ·{' '}
        <span className="jp-mlops-sweep-counts">{countsText(sweep.counts)}</span>
        {typeof sweep.n_trials === 'number' ? ` of ${sweep.n_trials}` : ''} ·{' '}
        {formatDuration(sweep.duration)}
      </p>
      <section className="jp-mlops-numbers jp-mlops-sweep-summary">
        <div className="jp-mlops-number-card">
          <div className="jp-mlops-number-value jp-mlops-best-value">
            {bestValue === null ? '–' : formatNumber(bestValue)}
          </div>
          <div className="jp-mlops-number-label">best {sweep.metric}</div>
        </div>
        <div className="jp-mlops-number-card">
          <div className="jp-mlops-number-value">
            {best?.trial_id ? (
              <button className="jp-mlops-link jp-mlops-best-trial" onClick={() => props.openRun(best.trial_id as string)}>
                trial-{best.number}
              </button>
            ) : best ? (
              `trial-${best.number}`
            ) : (
              '–'
            )}
          </div>
          <div className="jp-mlops-number-label">best trial</div>
        </div>
        {(['complete', 'pruned', 'failed', 'running'] as const).map(state => (
          <div key={state} className="jp-mlops-number-card" data-count={state}>
            <div className="jp-mlops-number-value">{sweep.counts[state] ?? 0}</div>
            <div className="jp-mlops-number-label">
              <span className={`jp-mlops-trial-state-${state}`}>{state}</span>
            </div>
          </div>
        ))}
      </section>
      {best && Object.keys(best.params).length ? (
        <section>
          <h2>Best params</h2>
          <dl className="jp-mlops-dl jp-mlops-best-params">
            {Object.entries(best.params).map(([k, v]) => (
              <React.Fragment key={k}>
                <dt>{k}</dt>
                <dd>
                  <code title={String(v)}>{formatParam(v)}</code>
                </dd>
              </React.Fragment>
            ))}
          </dl>
        </section>
      ) : null}
      <section>
        <h2>Charts</h2>
        <div className="jp-mlops-chart-grid">
          <div className="jp-mlops-chart-cell">
            <Plot
              className="jp-mlops-sweep-history"
              data={history}
              layout={historyLayout}
              label={`Optimization history of ${sweep.metric}: each trial's value and the best so far`}
            />
          </div>
          {parallel ? (
            <div className="jp-mlops-chart-cell">
              <Plot
                className="jp-mlops-sweep-parallel"
                data={[parallel]}
                layout={parallelLayout}
                label={`Parallel coordinates of the params against ${sweep.metric}`}
              />
            </div>
          ) : null}
        </div>
      </section>
      <section>
        <h2>Trials ({trials.length})</h2>
        {trials.length ? (
          <TrialsTable
            trials={ordered}
            params={params}
            metric={sweep.metric}
            direction={sweep.direction}
            sort={sort}
            onSort={setSort}
            bestId={best?.trial_id ?? null}
            openRun={props.openRun}
          />
        ) : (
          <div className="jp-mlops-empty">No trials yet.</div>
        )}
      </section>
    </div>
  );
}
