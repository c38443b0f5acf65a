import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { getDriftReport, listDriftReports } from '../api';
import { formatShare, formatTime, parseDatasetRef, parseModelRef } from '../format';
import { useLoad } from '../hooks';
import { formatMetric, shortId } from '../model';
import { IDriftReport } from '../tokens';
import { Figure } from './Figure';
import { Header, ItemLink, LoadState, RunLink } from './common';
import { ItemList } from './ItemList';

export interface IDriftTabProps {
  settings: ServerConnection.ISettings;
  /** The report that shows; null shows the list. */
  selected: string | null;
  onSelect: (id: string | null) => void;
  onOpenRun: (id: string) => void;
  onOpenModel: (name: string) => void;
  onOpenDataset: (name: string) => void;
}

/** The Drift tab: saved reports, or one report's score chart and distribution overlays. */
export function DriftTab(props: IDriftTabProps): JSX.Element {
  return props.selected ? (
    <ReportDetail {...props} id={props.selected} />
  ) : (
    <ReportList {...props} />
  );
}

function Verdict(props: { report: IDriftReport }): JSX.Element {
  const { report } = props;
  return (
    <span
      className={`jp-mlops-verdict ${report.drifted ? 'jp-mlops-drifted' : 'jp-mlops-stable'}`}
    >
      {report.drifted ? 'DRIFTED' : 'no drift'}
    </span>
  );
}

function ReportList(props: IDriftTabProps): JSX.Element {
  const load = useLoad(() => listDriftReports(props.settings), 'drift');
  return (
    <ItemList<IDriftReport>
      title="Drift reports"
      load={load}
      empty={
        <>
          No saved drift reports yet. Save one with{' '}
          <code>mlops.drift_report(reference, current).save()</code> or{' '}
          <code>%mlops_drift</code>.
        </>
      }
      itemKey={report => report.id}
      rowClassName="jp-mlops-report-row"
      columns={[
        {
          title: 'Report',
          cell: report => (
            <button className="jp-mlops-link" onClick={() => props.onSelect(report.id)}>
              {report.name ?? shortId(report.id)}
            </button>
          )
        },
        { title: 'Verdict', cell: report => <Verdict report={report} /> },
        { title: 'Drifted', cell: r => formatShare(r.share), className: 'jp-mlops-number' },
        { title: 'Model', cell: report => report.model ?? '' },
        { title: 'Reference → current', cell: r => `${r.reference} → ${r.current}` },
        { title: 'Created', cell: report => formatTime(report.created_at) }
      ]}
    />
  );
}

function ReportDetail(props: IDriftTabProps & { id: string }): JSX.Element {
  const [column, setColumn] = React.useState<string | null>(null);
  const load = useLoad(() => getDriftReport(props.settings, props.id), `drift:${props.id}`);
  const overlay = useLoad(
    () =>
      column === null
        ? Promise.resolve(null)
        : getDriftReport(props.settings, props.id, column).then(d => d.figure),
    `drift:${props.id}:${column ?? ''}`
  );
  const report = load.value?.report;
  return (
    <div className="jp-mlops-report" data-report={props.id}>
      <Header
        title={report?.name ?? `Report ${shortId(props.id)}`}
        back={{ label: 'Reports', onClick: () => props.onSelect(null) }}
        onRefresh={load.reload}
      />
      <LoadState load={load} />
      {report && load.value ? (
        <>
          <div className="jp-mlops-facts">
            <Verdict report={report} />: {String(report.details.drifted_count ?? '?')} of{' '}
            {String(report.details.tested ?? report.results.length)} columns drifted (
            {formatShare(report.share)}; the dataset counts as drifted from{' '}
            {formatShare(report.drift_share)}).
          </div>
          <Links {...props} report={report} />
          <Figure figure={load.value.figure} label="Drift score of every column against its threshold" />
          <h4>Columns</h4>
          <label className="jp-mlops-field-inline">
            Distributions of{' '}
            <select
              className="jp-mod-styled jp-mlops-column-select"
              aria-label="Column to overlay"
              value={column ?? ''}
              onChange={event => setColumn(event.target.value || null)}
            >
              <option value="">choose a column</option>
              {report.results.map(result => (
                <option key={result.column} value={result.column}>
                  {result.column}
                </option>
              ))}
            </select>
          </label>
          {column !== null ? (
            <div className="jp-mlops-overlay">
              <LoadState load={overlay} />
              {overlay.value ? (
                <Figure
                  figure={overlay.value}
                  label={`Reference and current distributions of ${column}`}
                />
              ) : null}
            </div>
          ) : null}
          <div className="jp-mlops-table-wrap">
            <table className="jp-mlops-table jp-mlops-drift-columns">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Role</th>
                  <th>Statistic</th>
                  <th>Value</th>
                  <th>Threshold</th>
                  <th>Drifted</th>
                </tr>
              </thead>
              <tbody>
                {report.results.map(result => (
                  <tr
                    key={result.column}
                    className={result.drifted ? 'jp-mlops-drifted-row' : undefined}
                  >
                    <td>
                      <button
                        className="jp-mlops-link"
                        title={`Show the distributions of ${result.column}`}
                        onClick={() => setColumn(result.column)}
                      >
                        {result.column}
                      </button>
                    </td>
                    <td>{result.role}</td>
                    <td title={result.note}>{result.statistic ?? result.note}</td>
                    <td className="jp-mlops-number">{formatMetric(result.value)}</td>
                    <td className="jp-mlops-number">{formatMetric(result.threshold)}</td>
                    <td>{result.drifted ? 'yes' : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}

/** The model version and datasets the report compared, and the run that made it. */
function Links(props: IDriftTabProps & { report: IDriftReport }): JSX.Element {
  const { report } = props;
  const model = parseModelRef(report.model);
  const data = (label: string, ref: string, rows: number): JSX.Element => {
    const dataset = parseDatasetRef(ref);
    return (
      <div>
        {label}:{' '}
        {dataset ? (
          <ItemLink
            label={ref}
            title={`Open dataset ${dataset.name}`}
            onClick={() => props.onOpenDataset(dataset.name)}
          />
        ) : (
          ref
        )}{' '}
        <span className="jp-mlops-muted">({rows} rows)</span>
      </div>
    );
  };
  return (
    <div className="jp-mlops-links">
      {model ? (
        <div>
          Model:{' '}
          <ItemLink
            label={report.model!}
            title={`Open model ${model.name}`}
            onClick={() => props.onOpenModel(model.name)}
          />
        </div>
      ) : null}
      {data('Reference', report.reference, report.reference_rows)}
      {data('Current', report.current, report.current_rows)}
      {report.run_id ? (
        <div>
          Run: <RunLink id={report.run_id} onOpenRun={props.onOpenRun} />
        </div>
      ) : null}
      <div className="jp-mlops-muted">
        {formatTime(report.created_at)} · method {report.method} · <code>{report.id}</code>
      </div>
    </div>
  );
}
