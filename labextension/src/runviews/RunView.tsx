/** The Run view: one run in full, refreshed while it is RUNNING. */
import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { useLoad } from '../hooks';
import { shortId } from '../model';
import { sweepOf } from '../sweepview/logic';
import { getHistories, getRunView } from './api';
import { Artifacts } from './Artifacts';
import { formatDuration, highlightPython, KeyBatcher, notebookTarget, parseModelRef } from './logic';
import { Metrics, Params } from './RunMetrics';
import { IHistory, IRunView } from './types';
import { VirtualTable } from './VirtualTable';

export interface IRunViewActions {
  openRun: (id: string) => void;
  openModel: (name: string, version: number) => void;
  openNotebook: (path: string) => void;
  compare: (ids: string[]) => void;
  /** Open the Sweep view of a sweep's run (the button shows on sweeps and their trials). */
  openSweep?: (id: string) => void;
}

export interface IRunViewProps extends IRunViewActions {
  settings: ServerConnection.ISettings;
  id: string;
  /** Poll interval (ms) while the run is RUNNING. */
  pollMs: number;
}

/** One run in full: overview, params, metrics (table and charts), artifacts, source, lineage. */
export function RunView(props: IRunViewProps): JSX.Element {
  // The view draws on this answer alone; each chart fetches its own history when seen. A
  // RUNNING run is read again every poll interval while the page is visible.
  const load = useLoad(() => getRunView(props.settings, props.id), props.id, {
    pollWhile: v => v.run.status === 'RUNNING',
    pollMs: props.pollMs
  });
  const view = load.value;
  // A new loader on each answer, so the charts in view read their history again.
  const loader = React.useMemo(
    () => new KeyBatcher<IHistory>(keys => getHistories(props.settings, props.id, keys)),
    [props.id, view]
  );
  if (load.error && !view) {
    return <div className="jp-mlops-error jp-mlops-view-error">{load.error}</div>;
  }
  if (!view) {
    return <div className="jp-mlops-empty">Loading run {shortId(props.id)}…</div>;
  }
  const run = view.run;
  return (
    <div className="jp-mlops-view jp-mlops-runview" data-run-id={run.id} data-status={run.status}>
      <header className="jp-mlops-view-header">
        <h1>{run.name}</h1>
        <span className={`jp-mlops-badge jp-mlops-status-${run.status.toLowerCase()}`}>
          {run.status}
        </span>
        <NotebookButton {...props} view={view} />
        {props.openSweep && sweepOf(run) ? (
          <button className="jp-mlops-button jp-mlops-open-sweep" onClick={() => props.openSweep?.(sweepOf(run) as string)}>
            Open sweep
          </button>
        ) : null}
        <button
          className="jp-mlops-button"
          onClick={load.reload}
          aria-label="Refresh this run"
        >
          Refresh
        </button>
      </header>
      <Overview {...props} view={view} />
      <Metrics run={view} loader={loader} />
      <Params params={run.params} />
      <Artifacts {...props} view={view} />
      <Lineage {...props} view={view} />
      {run.source?.cell ? (
        <section>
          <h2>Source cell{run.source.execution_count ? ` [${run.source.execution_count}]` : ''}</h2>
          <pre className="jp-mlops-source jp-mlops-highlight">
            {highlightPython(run.source.cell).map((t, i) =>
              t.kind === 'text' ? t.text : <span key={i} className={`jp-mlops-tok-${t.kind}`}>{t.text}</span>
            )}
          </pre>
        </section>
      ) : null}
      {run.error ? (
        <section>
          <h2>Error</h2>
          <pre className="jp-mlops-error">{run.error}</pre>
        </section>
      ) : null}
    </div>
  );
}

function NotebookButton(props: IRunViewProps & { view: IRunView }): JSX.Element | null {
  const [message, setMessage] = React.useState<string | null>(null);
  if (!props.view.notebook) {
    return null;
  }
  const target = notebookTarget(props.view.notebook);
  return (
    <>
      <button
        className="jp-mlops-button"
        onClick={() => ('path' in target ? props.openNotebook(target.path) : setMessage(target.message))}
      >
        Open notebook
      </button>
      {message ? (
        <span className="jp-mlops-error jp-mlops-inline" role="alert">
          {message}
        </span>
      ) : null}
    </>
  );
}

function Overview(props: IRunViewProps & { view: IRunView }): JSX.Element {
  const { run, environment, children } = props.view;
  const [showDiff, setShowDiff] = React.useState(false);
  const [showPackages, setShowPackages] = React.useState(false);
  const rows: [string, React.ReactNode][] = [
    ['Status', run.status],
    ['Duration', formatDuration(props.view.duration)],
    ['Started', new Date(run.start_time * 1000).toLocaleString()],
    ['Experiment', run.experiment],
    ['Run id', <code key="id">{run.id}</code>]
  ];
  if (run.parent_id) {
    rows.push([
      'Parent',
      <button key="p" className="jp-mlops-link" onClick={() => props.openRun(run.parent_id as string)}>
        {shortId(run.parent_id)}
      </button>
    ]);
  }
  if (run.git) {
    rows.push([
      'Git',
      <span key="git">
        <code>{run.git.commit.slice(0, 10)}</code> {run.git.branch ? `on ${run.git.branch}` : ''}
        {run.git.dirty ? (
          <>
            {' '}
            <span className="jp-mlops-warn">dirty</span>
            {props.view.git_diff ? (
              <button className="jp-mlops-link" onClick={() => setShowDiff(s => !s)}>
                {showDiff ? 'hide diff' : 'show diff'}
              </button>
            ) : null}
          </>
        ) : null}
      </span>
    ]);
  }
  if (environment) {
    rows.push(['Python', `${environment.python} · ${environment.platform}`]);
    rows.push([
      'Packages',
      <button key="pk" className="jp-mlops-link" onClick={() => setShowPackages(s => !s)}>
        {Object.keys(environment.packages).length} packages {showPackages ? '▾' : '▸'}
      </button>
    ]);
  }
  if (run.host) {
    rows.push(['Host', run.host]);
  }
  const description = run.tags['mlops.note.content'] ?? run.tags['description'] ?? run.tags['mlops.description'];
  if (description) {
    rows.push(['Description', description]);
  }
  const tags = Object.entries(run.tags).filter(([k]) => !k.startsWith('mlops.'));
  return (
    <section className="jp-mlops-overview">
      <h2>Overview</h2>
      <dl className="jp-mlops-dl">
        {rows.map(([k, v]) => (
          <React.Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </React.Fragment>
        ))}
        {tags.length ? (
          <>
            <dt>Tags</dt>
            <dd>
              {tags.map(([k, v]) => (
                <span key={k} className="jp-mlops-chip">
                  {k}={v}
                </span>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      {showDiff && props.view.git_diff ? <pre className="jp-mlops-source">{props.view.git_diff}</pre> : null}
      {showPackages && environment ? (
        <VirtualTable
          label="Packages"
          columns={['Package', 'Version']}
          rows={Object.entries(environment.packages).sort().map(([k, v]) => [k, v])}
        />
      ) : null}
      {children.length ? (
        <>
          <h3>Child runs ({children.length})</h3>
          <ul className="jp-mlops-children">
            {children.map(c => (
              <li key={c.id}>
                <button className="jp-mlops-link" onClick={() => props.openRun(c.id)}>
                  {c.name}
                </button>{' '}
                <span className={`jp-mlops-status-${c.status.toLowerCase()}`}>{c.status}</span>
              </li>
            ))}
          </ul>
          {children.length >= 2 ? (
            <button
              className="jp-mlops-button"
              onClick={() => props.compare(children.slice(0, 20).map(c => c.id))}
            >
              Compare children
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Lineage(props: IRunViewProps & { view: IRunView }): JSX.Element | null {
  const links = props.view.run.lineage;
  const models = props.view.models;
  if (!links.length && !models.length) {
    return null;
  }
  const group = (direction: string) => links.filter(l => l.direction === direction);
  const item = (l: { kind: string; ref: string }, i: number): JSX.Element => {
    const model = l.kind === 'model' ? parseModelRef(l.ref) : null;
    return (
      <li key={i}>
        <span className="jp-mlops-chip">{l.kind}</span>{' '}
        {model ? (
          <button className="jp-mlops-link" onClick={() => props.openModel(model.name, model.version)}>
            {l.ref}
          </button>
        ) : (
          <code>{l.ref}</code>
        )}
      </li>
    );
  };
  return (
    <section className="jp-mlops-lineage-list">
      <h2>Inputs and outputs</h2>
      <div className="jp-mlops-io">
        <div>
          <h3>Inputs</h3>
          <ul>{group('input').map(item)}</ul>
        </div>
        <div>
          <h3>Outputs</h3>
          <ul>
            {group('output').map(item)}
            {models.map(m => (
              <li key={`${m.name}/${m.version}`}>
                <span className="jp-mlops-chip">model version</span>{' '}
                <button className="jp-mlops-link jp-mlops-model-link" onClick={() => props.openModel(m.name, m.version)}>
                  {m.name} v{m.version}
                </button>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
