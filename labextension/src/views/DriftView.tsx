/** A saved drift report in the main area: its chart, table, distributions, links, history. */
import * as React from 'react';

import { getDriftReport } from '../api';
import { formatShare, formatTime } from '../format';
import { useLoad } from '../hooks';
import { formatMetric, shortId } from '../model';
import { IDriftResult } from '../tokens';
import { getAliasDrift } from './api';
import { everyColumnTicked, historyFigure, parseDataset, parseModel, themeOf } from './logic';
import { IViewProps } from './ModelVersionView';
import { Section, Status, ThemedFigure, VirtualTable } from './parts';

export function DriftView(props: IViewProps & { id: string }): JSX.Element {
  const load = useLoad(() => getDriftReport(props.settings, props.id), `drift:${props.id}`);
  const [column, setColumn] = React.useState<string | null>(null);
  const report = load.value?.report;
  const figure = load.value?.figure;
  const extra = React.useMemo(
    () => (figure ? { ...everyColumnTicked(figure), height: 460, margin: { l: 60, r: 20, t: 70, b: 40 } } : {}),
    [figure]
  );
  const tested = report?.results.filter(r => r.statistic !== null).length ?? 0;
  return (
    <div className="jp-mlops-view jp-mlops-drift-view" data-report={props.id}>
      <header className="jp-mlops-view-header">
        <h2>
          {report?.name ?? 'Drift report'} <span className="jp-mlops-muted">{shortId(props.id)}</span>
        </h2>
        {report ? (
          <span className={`jp-mlops-verdict ${report.drifted ? 'jp-mlops-drifted' : 'jp-mlops-stable'}`}>
            {report.drifted ? 'DRIFTED' : 'no drift'}
          </span>
        ) : null}
        <button className="jp-mlops-button" onClick={load.reload} aria-label="Refresh">
          ⟳ Refresh
        </button>
      </header>
      <Status error={load.error} loading={load.loading && !report} />
      {report && figure ? (
        <>
          <div className="jp-mlops-facts">
            {String(report.details.drifted_count ?? report.results.filter(r => r.drifted).length)} of{' '}
            {String(report.details.tested ?? tested)} columns drifted ({formatShare(report.share)}; the
            dataset counts as drifted from {formatShare(report.drift_share)}) · {formatTime(report.created_at)} ·
            method {report.method}
          </div>
          <Links {...props} />
          <Section title="Drift of every column">
            <ThemedFigure
              figure={figure}
              extra={extra}
              className="jp-mlops-drift-chart"
              label="Drift score of every column against its threshold"
              minWidth={Math.max(0, tested * 26)}
            />
          </Section>
          <Section title="Columns">
            <VirtualTable<IDriftResult>
              label="Drift of each column"
              className="jp-mlops-drift-table"
              rows={report.results}
              rowClass={r => (r.drifted ? 'jp-mlops-drifted-row' : '')}
              columns={[
                {
                  title: 'Column',
                  width: '2fr',
                  cell: r => (
                    <button
                      className="jp-mlops-link"
                      aria-pressed={column === r.column}
                      title={`Show the distributions of ${r.column}`}
                      onClick={() => setColumn(r.column)}
                    >
                      {r.column}
                    </button>
                  )
                },
                { title: 'Role', cell: r => r.role, width: '90px' },
                { title: 'Statistic', cell: r => r.statistic ?? r.note, width: '1.5fr' },
                { title: 'Value', cell: r => formatMetric(r.value), className: 'jp-mlops-number', width: '1fr' },
                { title: 'Threshold', cell: r => formatMetric(r.threshold), className: 'jp-mlops-number', width: '1fr' },
                {
                  title: 'Verdict',
                  width: '100px',
                  cell: r => (r.statistic === null ? 'not tested' : r.drifted ? 'DRIFT' : 'ok')
                }
              ]}
            />
          </Section>
          <Section title="Distributions">
            <label className="jp-mlops-field-inline">
              Column{' '}
              <select
                className="jp-mod-styled jp-mlops-column-select"
                aria-label="Column whose distributions to show"
                value={column ?? ''}
                onChange={event => setColumn(event.target.value || null)}
              >
                <option value="">choose a column</option>
                {report.results.map(r => (
                  <option key={r.column} value={r.column}>
                    {r.column}
                  </option>
                ))}
              </select>
            </label>
            {column ? <Distribution {...props} column={column} /> : null}
          </Section>
          <History {...props} model={report.model} />
        </>
      ) : null}
    </div>
  );
}

function Distribution(props: IViewProps & { id: string; column: string }): JSX.Element {
  const load = useLoad(
    () => getDriftReport(props.settings, props.id, props.column).then(d => d.figure),
    `${props.id}:${props.column}`
  );
  return (
    <div className="jp-mlops-distribution" data-column={props.column}>
      <Status error={load.error} loading={load.loading && !load.value} />
      {load.value ? (
        <ThemedFigure
          figure={load.value}
          extra={{ height: 360 }}
          label={`Reference and current distributions of ${props.column}`}
        />
      ) : null}
    </div>
  );
}

function Links(props: IViewProps & { id: string }): JSX.Element | null {
  const load = useLoad(() => getDriftReport(props.settings, props.id), `drift:${props.id}`);
  const report = load.value?.report;
  if (!report) {
    return null;
  }
  const model = parseModel(report.model);
  const data = (label: string, ref: string, rows: number): JSX.Element => {
    const dataset = parseDataset(ref);
    return (
      <span className="jp-mlops-link-item">
        {label}:{' '}
        {dataset ? (
          <button
            className="jp-mlops-link"
            onClick={() => props.execute('mlops:open-dataset', dataset)}
            title={`Open ${ref}`}
          >
            {ref}
          </button>
        ) : (
          <code>{ref}</code>
        )}{' '}
        <span className="jp-mlops-muted">({rows} rows)</span>
      </span>
    );
  };
  return (
    <nav className="jp-mlops-links jp-mlops-view-links" aria-label="Compared data and model">
      {data('Reference', report.reference, report.reference_rows)}
      {data('Current', report.current, report.current_rows)}
      {model ? (
        <span className="jp-mlops-link-item">
          Model:{' '}
          <button
            className="jp-mlops-link jp-mlops-model-link"
            title={`Open ${report.model}`}
            onClick={() =>
              props.execute(
                'mlops:open-model',
                model.version ? { name: model.name, version: model.version } : { name: model.name, alias: model.alias ?? '' }
              )
            }
          >
            {report.model}
          </button>
        </span>
      ) : null}
      {report.run_id ? (
        <span className="jp-mlops-link-item">
          Run:{' '}
          <button className="jp-mlops-link" onClick={() => props.execute('mlops:open-run', { id: report.run_id! })}>
            {shortId(report.run_id)}
          </button>
        </span>
      ) : null}
    </nav>
  );
}

function History(props: IViewProps & { model: string | null }): JSX.Element | null {
  const model = parseModel(props.model);
  const alias = model?.alias;
  const ref = React.useRef<HTMLDivElement>(null);
  const load = useLoad(
    () => (model && alias ? getAliasDrift(props.settings, model.name, alias) : Promise.resolve(null)),
    props.model ?? ''
  );
  if (!model || !alias) {
    return null;
  }
  const history = load.value;
  return (
    <div ref={ref}>
      <Section title={`Drift over time for ${model.name}@${alias}`} className="jp-mlops-drift-history">
        <Status error={load.error} loading={load.loading && !history} />
        {history && ref.current ? (
          history.points.length > 0 ? (
            <ThemedFigure
              figure={historyFigure(history.points, themeOf(ref.current))}
              label={`Share of drifted columns per saved report for ${history.model}`}
            />
          ) : (
            <div className="jp-mlops-muted">No other reports name {history.model}.</div>
          )
        ) : null}
        {history ? (
          <div className="jp-mlops-muted">
            {history.points.length} saved report{history.points.length === 1 ? '' : 's'}
          </div>
        ) : null}
      </Section>
    </div>
  );
}
