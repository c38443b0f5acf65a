/** A pipeline in the main area: its DAG with each step's state, live while a run goes on. */
import * as React from 'react';

import { formatTime } from '../format';
import { useLoad } from '../hooks';
import { shortId } from '../model';
import { getPipelineGraph, getPipelineJob, startPipelineRun } from './api';
import { layoutGraph, mergeStepStates, nodeWidth, stateSummary, stateText } from './logic';
import { IViewProps } from './ModelVersionView';
import { GraphView, Section, Status, VirtualTable } from './parts';
import { IPipelineJob, IPipelineStep, IStepState } from './types';

export const POLL_MS = 1000;

export function PipelineView(
  props: IViewProps & {
    path: string;
    /** A job started elsewhere (the file browser's "Run pipeline") to follow. */
    job?: string | null;
    onJob?: (id: string | null) => void;
    openNotebook: (path: string) => void;
  }
): JSX.Element {
  const load = useLoad(() => getPipelineGraph(props.settings, props.path), props.path);
  const [job, setJob] = React.useState<IPipelineJob | null>(null);
  const [jobId, setJobId] = React.useState<string | null>(props.job ?? null);
  const [error, setError] = React.useState<string | null>(null);
  const [starting, setStarting] = React.useState(false);
  React.useEffect(() => setJobId(props.job ?? null), [props.job]);
  // Poll the job while it runs; when it ends, read the recorded run once more.
  React.useEffect(() => {
    if (!jobId) {
      return;
    }
    let stopped = false;
    let timer = 0;
    const poll = async (): Promise<void> => {
      try {
        const next = await getPipelineJob(props.settings, jobId);
        if (stopped) {
          return;
        }
        setJob(next);
        if (next.state === 'running') {
          timer = window.setTimeout(() => void poll(), POLL_MS);
        } else {
          load.reload();
        }
      } catch (reason) {
        if (!stopped) {
          setError(String((reason as Error).message ?? reason));
        }
      }
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [jobId]);
  const run = async (force: boolean): Promise<void> => {
    setStarting(true);
    setError(null);
    try {
      const started = await startPipelineRun(props.settings, props.path, force);
      setJob(started);
      setJobId(started.id);
      props.onJob?.(started.id);
    } catch (reason) {
      setError(String((reason as Error).message ?? reason));
    } finally {
      setStarting(false);
    }
  };
  const graph = load.value;
  const states = graph ? mergeStepStates(graph.steps, graph.last_run, job) : {};
  const running = job?.state === 'running';
  return (
    <div className="jp-mlops-view jp-mlops-pipeline-view" data-path={props.path} data-running={running ? 'true' : 'false'}>
      <header className="jp-mlops-view-header">
        <h2>
          {graph?.name ?? 'Pipeline'} <span className="jp-mlops-muted">{props.path}</span>
        </h2>
        <button
          className="jp-mlops-button jp-mod-accept jp-mlops-run-pipeline"
          disabled={running || starting || !graph}
          onClick={() => void run(false)}
        >
          {running ? 'Running…' : '▶ Run pipeline'}
        </button>
        <button
          className="jp-mlops-button"
          disabled={running || starting || !graph}
          title="Run every step, even the cached ones"
          onClick={() => void run(true)}
        >
          Run all (no cache)
        </button>
        <button className="jp-mlops-button" onClick={load.reload} aria-label="Refresh">
          ⟳ Refresh
        </button>
      </header>
      <Status error={load.error} loading={load.loading && !graph} />
      {error ? (
        <div className="jp-mlops-error" role="alert">
          {error}
        </div>
      ) : null}
      {graph ? (
        <>
          <div className="jp-mlops-facts" role="status" aria-live="polite">
            <JobLine {...props} job={job} graph={graph} summary={stateSummary(states)} />
          </div>
          <Section title="Steps">
            <Dag {...props} steps={graph.steps} edges={graph.edges} states={states} />
          </Section>
          <Section title="Step runs">
            <VirtualTable<IPipelineStep>
              label="Steps and their last state"
              className="jp-mlops-steps-table"
              rows={graph.steps}
              columns={[
                { title: 'Step', cell: s => <strong>{s.name}</strong> },
                {
                  title: 'State',
                  cell: s => (
                    <span className={`jp-mlops-state jp-mlops-state-${states[s.name].state.replace(' ', '-')}`}>
                      {stateText(states[s.name])}
                    </span>
                  )
                },
                {
                  title: 'Run',
                  cell: s =>
                    states[s.name].run_id ? (
                      <button
                        className="jp-mlops-link"
                        onClick={() => props.execute('mlops:open-run', { id: states[s.name].run_id! })}
                      >
                        {shortId(states[s.name].run_id!)}
                      </button>
                    ) : (
                      ''
                    )
                },
                {
                  title: 'Executed notebook',
                  width: '2fr',
                  cell: s =>
                    states[s.name].notebook ? (
                      <button
                        className="jp-mlops-link"
                        onClick={() => props.openNotebook(states[s.name].notebook!)}
                      >
                        {states[s.name].notebook}
                      </button>
                    ) : (
                      <span className="jp-mlops-muted">{s.notebook ?? ''}</span>
                    )
                },
                {
                  title: 'Note',
                  width: '2fr',
                  cell: s => <span title={states[s.name].error ?? ''}>{firstLine(states[s.name])}</span>
                }
              ]}
            />
          </Section>
          {job?.state === 'failed' && (job.error || job.output) ? (
            <Section title="Why the run failed" className="jp-mlops-job-failure">
              {job.error ? <div className="jp-mlops-error">{job.error}</div> : null}
              {job.output ? <pre className="jp-mlops-output">{job.output}</pre> : null}
            </Section>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function firstLine(state: IStepState): string {
  const text = state.error ?? state.reason ?? '';
  return text.split('\n')[0].slice(0, 160);
}

function JobLine(props: IViewProps & { job: IPipelineJob | null; graph: { last_run: { run_id: string; status: string; start_time: number } | null }; summary: string }): JSX.Element {
  const { job, graph } = props;
  const runId = job?.run_id ?? (job ? null : graph.last_run?.run_id ?? null);
  const label = job
    ? job.state === 'running'
      ? 'Running now'
      : `This run ${job.state === 'finished' ? 'finished' : 'failed'}`
    : graph.last_run
      ? `Last run ${graph.last_run.status.toLowerCase()} (${formatTime(graph.last_run.start_time)})`
      : 'Never run';
  return (
    <span className="jp-mlops-job-line" data-state={job?.state ?? 'idle'}>
      {label}: {props.summary}
      {runId ? (
        <>
          {' · '}
          <button className="jp-mlops-link" onClick={() => props.execute('mlops:open-run', { id: runId })}>
            pipeline run {shortId(runId)}
          </button>
        </>
      ) : null}
    </span>
  );
}

function Dag(
  props: IViewProps & {
    steps: IPipelineStep[];
    edges: { source: string; target: string }[];
    states: Record<string, IStepState>;
    openNotebook: (path: string) => void;
  }
): JSX.Element {
  const layout = React.useMemo(
    () =>
      layoutGraph(
        props.steps.map(s => ({ id: s.name, width: nodeWidth(s.name, 'running 10/10'), height: 52 })),
        props.edges
      ),
    [props.steps, props.edges]
  );
  return (
    <GraphView
      layout={layout}
      label="Pipeline steps"
      nodes={props.steps.map(s => {
        const state = props.states[s.name];
        return {
          id: s.name,
          label: s.name,
          detail: stateText(state),
          className: `jp-mlops-step jp-mlops-state-${state.state.replace(' ', '-')}`,
          title: state.notebook
            ? `Open the executed notebook ${state.notebook}`
            : state.run_id
              ? `Open run ${state.run_id}`
              : `${s.name}: ${s.notebook ?? ''}`
        };
      })}
      onOpen={id => {
        const state = props.states[id];
        if (state.notebook) {
          props.openNotebook(state.notebook);
        } else if (state.run_id) {
          props.execute('mlops:open-run', { id: state.run_id });
        } else {
          const step = props.steps.find(s => s.name === id);
          if (step?.notebook) {
            props.openNotebook(step.notebook);
          }
        }
      }}
    />
  );
}
