/**
 * The Pipelines tab: the pipeline.yaml files under the server's root, each with the state of
 * its last run; a pipeline opens its main-area view (the DAG, live while it runs).
 */
import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { useLoad, useShownModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { getPipelineGraph } from '../views/api';
import { ILastRun, IPipelineGraph, IPipelineJob, IStepState } from '../views/types';
import { Header, LoadState } from './common';
import { openRowProps } from './ModelsTab';

/** What the Pipelines tab lists: the pipeline files, and the jobs this server ran or runs. */
export interface IPipelineList {
  pipelines: { path: string }[];
  jobs: IPipelineJob[];
}

export interface IPipelinesTabProps {
  settings: ServerConnection.ISettings;
  /** The list (the sidebar's model of it); the rows read their graphs themselves. */
  list: LoadModel<IPipelineList>;
  onOpen: (path: string) => void;
}

/** A pipeline's last-run state as the list shows it. */
export interface IPipelineState {
  /** running, finished, failed, killed, never-run, loading, or unknown (its file is bad). */
  state: string;
  label: string;
  /** When the last run started (seconds since the epoch), if known. */
  started: number | null;
}

/** "2 ran · 1 cached · 1 failed": the steps' states of a run, in a fixed order. */
export function stepSummary(steps: Record<string, Pick<IStepState, 'state'>>): string {
  const order = ['running', 'pending', 'ran', 'cached', 'failed', 'killed', 'skipped'];
  const counts = new Map<string, number>();
  for (const step of Object.values(steps)) {
    counts.set(step.state, (counts.get(step.state) ?? 0) + 1);
  }
  const known = [...counts.keys()].sort((a, b) => {
    const [i, j] = [order.indexOf(a), order.indexOf(b)];
    return (i < 0 ? order.length : i) - (j < 0 ? order.length : j) || a.localeCompare(b);
  });
  return known.map(state => `${counts.get(state)} ${state}`).join(' · ');
}

/**
 * The state to show for `path`: a job this server is running wins (the store's record of it
 * is still being written); then the store's last run; then the newest finished job, which
 * covers the moment before the graph has loaded.
 */
export function pipelineState(
  path: string,
  jobs: IPipelineJob[],
  lastRun: ILastRun | null | undefined,
  error: string | null = null
): IPipelineState {
  const mine = jobs.filter(job => job.path === path).sort((a, b) => b.started_at - a.started_at);
  const running = mine.find(job => job.state === 'running');
  if (running) {
    return { state: 'running', label: 'running now', started: running.started_at };
  }
  if (lastRun) {
    const state = lastRun.status.toLowerCase();
    const summary = stepSummary(lastRun.steps);
    return {
      state,
      label: summary ? `${state}: ${summary}` : state,
      started: lastRun.start_time
    };
  }
  if (mine.length) {
    return { state: mine[0].state, label: mine[0].state, started: mine[0].started_at };
  }
  if (error) {
    return { state: 'unknown', label: `cannot read it: ${error}`, started: null };
  }
  if (lastRun === undefined) {
    return { state: 'loading', label: '…', started: null };
  }
  return { state: 'never-run', label: 'never run', started: null };
}

/** When, in the list's words: "5 min ago", or the date for older runs. */
export function formatAgo(seconds: number | null, now: number = Date.now() / 1000): string {
  if (seconds === null) {
    return '';
  }
  const ago = Math.max(0, now - seconds);
  if (ago < 60) {
    return 'just now';
  }
  if (ago < 3600) {
    return `${Math.floor(ago / 60)} min ago`;
  }
  if (ago < 86400) {
    return `${Math.floor(ago / 3600)} h ago`;
  }
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export function PipelinesTab(props: IPipelinesTabProps): JSX.Element {
  // A reload keeps the list on screen while it asks again; `round` tells each row to ask too.
  const [round, setRound] = React.useState(0);
  const load = useShownModel(props.list);
  const refresh = (): void => {
    load.reload();
    setRound(r => r + 1);
  };
  // A started run changes states by itself: look again while one is going on.
  const jobs = load.value?.jobs ?? [];
  const running = jobs.some(job => job.state === 'running');
  React.useEffect(() => {
    if (!running) {
      return;
    }
    const timer = setTimeout(refresh, 3000);
    return () => clearTimeout(timer);
  }, [running, load.value]);
  const pipelines = load.value?.pipelines ?? [];
  return (
    <div className="jp-mlops-items jp-mlops-pipelines">
      <Header title="Pipelines" onRefresh={refresh} />
      {load.value === null ? <LoadState load={load} /> : null}
      {load.value && pipelines.length === 0 ? (
        <div className="jp-mlops-empty">
          No pipelines under this folder yet. Write a <code>pipeline.yaml</code> whose{' '}
          <code>steps</code> name notebooks (with <code>needs</code>, <code>inputs</code> and{' '}
          <code>outputs</code>), then run it with{' '}
          <code>jupyter mlops pipeline run pipeline.yaml</code> or right-click it in the file
          browser and choose <em>Run pipeline</em>.
        </div>
      ) : null}
      {pipelines.length ? (
        <div className="jp-mlops-table-wrap">
          <table className="jp-mlops-table jp-mlops-pipeline-list">
            <thead>
              <tr>
                <th>Pipeline</th>
                <th>Last run</th>
              </tr>
            </thead>
            <tbody>
              {pipelines.map(pipeline => (
                <PipelineRow
                  key={pipeline.path}
                  settings={props.settings}
                  path={pipeline.path}
                  jobs={jobs}
                  round={round}
                  onOpen={props.onOpen}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function PipelineRow(props: {
  settings: ServerConnection.ISettings;
  path: string;
  jobs: IPipelineJob[];
  round: number;
  onOpen: (path: string) => void;
}): JSX.Element {
  const { path } = props;
  const graph = useLoad<IPipelineGraph>(() => getPipelineGraph(props.settings, path), path);
  React.useEffect(() => {
    if (props.round) {
      graph.reload();
    }
  }, [props.round]);
  const lastRun = graph.value ? graph.value.last_run : graph.error ? null : undefined;
  const shown = pipelineState(path, props.jobs, lastRun, graph.error);
  const open = (): void => props.onOpen(path);
  return (
    <tr
      className="jp-mlops-pipeline-row"
      data-item={path}
      data-state={shown.state}
      {...openRowProps(open, `Open pipeline ${path}`)}
    >
      <td>
        <button className="jp-mlops-link" tabIndex={-1} onClick={open}>
          {path}
        </button>
        {graph.value ? (
          <div className="jp-mlops-muted jp-mlops-pipeline-facts">
            {graph.value.name} · {graph.value.steps.length} step
            {graph.value.steps.length === 1 ? '' : 's'}
          </div>
        ) : null}
      </td>
      <td className="jp-mlops-wrap" title={graph.error ?? undefined}>
        <div className={`jp-mlops-status jp-mlops-status-${shown.state}`}>{shown.label}</div>
        {shown.started !== null ? (
          <div className="jp-mlops-muted">{formatAgo(shown.started)}</div>
        ) : null}
      </td>
    </tr>
  );
}
