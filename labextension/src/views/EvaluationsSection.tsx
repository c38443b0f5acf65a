/** A model version's evaluations in its view: the verdict, the slices table and chart. */
import * as React from 'react';

import { formatTime } from '../format';
import { formatMetric } from '../model';
import { MetricValue } from '../tokens';
import {
  evaluationLabel,
  figureMetrics,
  figureOfMetric,
  ISliceRow,
  labelBars,
  sliceRows,
  verdictText
} from './evaluations';
import { IColumn, Section, ThemedFigure, VirtualTable } from './parts';
import { IEvaluation, IVersionEvaluations } from './types';

function metricCell(value: MetricValue | null | undefined): string {
  return value === null ? '' : formatMetric(value);
}

export function EvaluationsSection(props: { evaluations: IVersionEvaluations }): JSX.Element {
  const list = props.evaluations.evaluations;
  const { name, version } = props.evaluations;
  const [chosen, setChosen] = React.useState<string | null>(null);
  const evaluation = list.find(e => e.id === chosen) ?? list[0] ?? null;
  return (
    <Section title="Evaluations" className="jp-mlops-evaluations">
      {evaluation ? (
        <>
          {list.length > 1 ? (
            <label className="jp-mlops-field-inline">
              Evaluation{' '}
              <select
                className="jp-mod-styled jp-mlops-evaluation-select"
                aria-label="Which evaluation to show"
                value={evaluation.id}
                onChange={event => setChosen(event.target.value)}
              >
                {list.map(e => (
                  <option key={e.id} value={e.id}>
                    {evaluationLabel(e)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <Evaluation key={evaluation.id} evaluation={evaluation} />
        </>
      ) : (
        <div className="jp-mlops-empty-state">
          <p>
            {name} version {version} has not been evaluated, so it holds no blessing. Evaluate it
            overall and per slice in a notebook:
          </p>
          <pre className="jp-mlops-schema">
            {`mlops.evaluate("${name}/${version}", data, label="y", slices=["country"],\n` +
              `              thresholds={"auc": {"lower": 0.8}})`}
          </pre>
          <p>
            or in CI with{' '}
            <code>
              jupyter mlops evaluate {name}/{version} DATA --label y --slice country --threshold
              auc&gt;=0.8
            </code>
            .
          </p>
        </div>
      )}
    </Section>
  );
}

function Evaluation(props: { evaluation: IEvaluation }): JSX.Element {
  const { evaluation } = props;
  const metrics = React.useMemo(() => figureMetrics(evaluation.figure), [evaluation]);
  const [metric, setMetric] = React.useState<string | null>(null);
  const shown = React.useMemo(() => {
    const picked = figureOfMetric(evaluation.figure, metric);
    return { ...picked, figure: labelBars(picked.figure) };
  }, [evaluation, metric]);
  const rows = React.useMemo(() => sliceRows(evaluation), [evaluation]);
  const columns: IColumn<ISliceRow>[] = [
    { title: 'Slice', cell: r => (r.feature === 'overall' ? <strong>overall</strong> : r.slice), width: 'minmax(140px, 2fr)' },
    { title: 'Rows', cell: r => r.rows.toLocaleString(), className: 'jp-mlops-number', width: '70px' },
    ...(evaluation.details.metrics ?? []).map(m => ({
      title: m,
      width: 'minmax(64px, 1fr)',
      className: 'jp-mlops-number',
      cell: (r: ISliceRow) => (
        <span className={r.failed.includes(m) ? 'jp-mlops-failed-value' : undefined}>{metricCell(r.metrics[m])}</span>
      )
    })),
    {
      title: 'Verdict',
      width: '90px',
      cell: r => <span className={`jp-mlops-slice-${r.status.replace(' ', '-')}`}>{r.status}</span>
    }
  ];
  const notes = evaluation.details.notes ?? [];
  return (
    <div className="jp-mlops-evaluation" data-evaluation={evaluation.id} data-blessed={String(evaluation.blessed)}>
      <div className="jp-mlops-facts">
        <span className={`jp-mlops-verdict ${evaluation.blessed ? 'jp-mlops-stable' : 'jp-mlops-drifted'}`}>
          {verdictText(evaluation)}
        </span>{' '}
        {evaluation.kind === 'replay' ? 'Replay' : 'Evaluation'} on <code>{evaluation.data}</code> (
        {evaluation.rows.toLocaleString()} rows, label <code>{evaluation.label}</code>, {evaluation.task})
        {evaluation.baseline ? (
          <>
            {' '}
            against <code>{evaluation.baseline}</code>
          </>
        ) : null}{' '}
        · {formatTime(evaluation.created_at)}
      </div>
      {evaluation.failures.length ? (
        <ul className="jp-mlops-failures" aria-label="Failing checks">
          {evaluation.failures.map(f => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      ) : null}
      {notes.length ? (
        <details className="jp-mlops-notes">
          <summary>Not judged ({notes.length})</summary>
          <ul>
            {notes.map(n => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <VirtualTable<ISliceRow>
        label="Metrics per slice"
        className="jp-mlops-slices-table"
        rows={rows}
        columns={columns}
        rowClass={r => (r.status === 'FAILED' ? 'jp-mlops-drifted-row' : r.status === 'too small' ? 'jp-mlops-small-row' : '')}
      />
      {metrics.length ? (
        <div className="jp-mlops-slices-chart-block">
          <label className="jp-mlops-field-inline">
            Metric{' '}
            <select
              className="jp-mod-styled jp-mlops-metric-select"
              aria-label="Metric the chart shows"
              value={shown.shown ?? ''}
              onChange={event => setMetric(event.target.value)}
            >
              {metrics.map(m => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <ThemedFigure
            figure={shown.figure}
            className="jp-mlops-slices-chart"
            label={`${shown.shown ?? 'metric'} per slice of ${evaluation.name} version ${evaluation.version}`}
          />
        </div>
      ) : null}
    </div>
  );
}
