import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { artifactUrl, getMetric, getRun } from '../api';
import { formatMetric } from '../model';
import { IMetricHistory, IRun } from '../tokens';
import { KeyValues } from './common';
import { MetricChart } from './MetricChart';

export interface IRunDetailProps {
  settings: ServerConnection.ISettings;
  /** One run shows its details; several share one chart per metric. */
  ids: string[];
  onBack: () => void;
  onOpenNotebook: (path: string) => void;
}

interface ILoaded {
  runs: IRun[];
  histories: Record<string, { label: string; history: IMetricHistory }[]>;
}

/** A run's params, metric charts, artifacts and source; or several runs' metrics compared. */
export function RunDetail(props: IRunDetailProps): JSX.Element {
  const [loaded, setLoaded] = React.useState<ILoaded | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    const load = async (): Promise<void> => {
      const runs = await Promise.all(props.ids.map(id => getRun(props.settings, id)));
      const keys = Array.from(new Set(runs.flatMap(r => Object.keys(r.metrics)))).sort();
      const histories: ILoaded['histories'] = {};
      for (const key of keys) {
        histories[key] = await Promise.all(
          runs
            .filter(run => key in run.metrics)
            .map(async run => ({
              label: run.name,
              history: await getMetric(props.settings, run.id, key)
            }))
        );
      }
      if (!cancelled) {
        setLoaded({ runs, histories });
      }
    };
    load().catch(reason => setError(String(reason.message ?? reason)));
    return () => {
      cancelled = true;
    };
  }, [props.ids.join(',')]);

  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (!loaded) {
    return <div className="jp-mlops-empty">Loading…</div>;
  }
  const single = loaded.runs.length === 1 ? loaded.runs[0] : null;
  return (
    <div className="jp-mlops-detail">
      <button className="jp-mlops-button" onClick={props.onBack}>
        ← Runs
      </button>
      <h3>{single ? single.name : `Comparing ${loaded.runs.length} runs`}</h3>
      {single ? <RunFacts run={single} {...props} /> : null}
      {Object.entries(loaded.histories).map(([key, series]) =>
        series.some(s => s.history.total > 1) || !single ? (
          <MetricChart key={key} title={key} series={series} />
        ) : null
      )}
    </div>
  );
}

function RunFacts(props: IRunDetailProps & { run: IRun }): JSX.Element {
  const { run } = props;
  const notebook = run.source?.type === 'notebook' ? run.source.path : null;
  return (
    <div className="jp-mlops-facts">
      <div className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`}>
        {run.status} · {run.experiment} · <code>{run.id}</code>
      </div>
      {notebook ? (
        <button className="jp-mlops-button" onClick={() => props.onOpenNotebook(notebook)}>
          Open notebook
        </button>
      ) : null}
      <KeyValues title="Params" values={run.params} />
      <KeyValues
        title="Metrics"
        values={Object.fromEntries(
          Object.entries(run.metrics).map(([k, v]) => [k, formatMetric(v)])
        )}
      />
      <KeyValues title="Tags" values={run.tags} />
      {run.artifacts.length ? (
        <div>
          <h4>Artifacts</h4>
          <ul className="jp-mlops-artifacts">
            {run.artifacts.map(artifact => (
              <li key={artifact.path}>
                <a
                  href={artifactUrl(props.settings, run.id, artifact.path)}
                  target="_blank"
                  rel="noreferrer"
                >
                  {artifact.path}
                </a>{' '}
                <span className="jp-mlops-muted">{artifact.size} B</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {run.source?.cell ? (
        <div>
          <h4>Source cell</h4>
          <pre className="jp-mlops-source">{run.source.cell}</pre>
        </div>
      ) : null}
      {run.error ? <pre className="jp-mlops-error">{run.error}</pre> : null}
    </div>
  );
}
