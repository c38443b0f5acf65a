/** A dataset version in the main area: profile, schema, the runs using it, a diff. */
import * as React from 'react';

import { diffDataset } from '../api';
import { formatBytes, formatTime } from '../format';
import { useLoad } from '../hooks';
import { formatMetric, shortId } from '../model';
import { IColumnProfile } from '../tokens';
import { getDatasetVersion } from './api';
import { IViewProps } from './ModelVersionView';
import { Section, Status, VirtualTable } from './parts';
import { IDatasetRun } from './types';

function cell(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'number' ? formatMetric(value) : String(value);
}

export function DatasetView(props: IViewProps & { name: string; version: number }): JSX.Element {
  const { name, version } = props;
  const load = useLoad(() => getDatasetVersion(props.settings, name, version), `${name}@${version}`);
  const detail = load.value;
  const record = detail?.version;
  const columns = Object.entries(detail?.profile?.columns ?? {});
  return (
    <div className="jp-mlops-view jp-mlops-dataset-view" data-dataset={name} data-version={version}>
      <header className="jp-mlops-view-header">
        <h2>
          {name}@{version}
        </h2>
        {record ? <span className="jp-mlops-chip">{record.kind}</span> : null}
        <button className="jp-mlops-button" onClick={load.reload} aria-label="Refresh">
          ⟳ Refresh
        </button>
      </header>
      <Status error={load.error} loading={load.loading && !detail} />
      {detail && record ? (
        <>
          <div className="jp-mlops-facts">
            {record.rows !== null ? `${record.rows} rows · ` : ''}
            {record.files !== null ? `${record.files} files · ` : ''}
            {formatBytes(record.bytes)} · {record.format ?? record.kind} · created{' '}
            {formatTime(record.created_at)} by {record.created_by}
            {record.description ? ` · ${record.description}` : ''}
          </div>
          <Section title="Profile">
            {columns.length ? (
              <VirtualTable<[string, IColumnProfile]>
                label={`Column profile of ${name}@${version}`}
                className="jp-mlops-profile-table"
                rows={columns}
                columns={[
                  { title: 'Column', cell: ([c]) => <strong>{c}</strong>, width: '2fr' },
                  { title: 'Type', cell: ([c, e]) => e.dtype ?? e.type ?? record.columns[c] ?? '' },
                  { title: 'Nulls', cell: ([, e]) => cell(e.nulls), className: 'jp-mlops-number' },
                  { title: 'Distinct', cell: ([, e]) => cell(e.distinct), className: 'jp-mlops-number' },
                  { title: 'Min', cell: ([, e]) => cell(e.min), className: 'jp-mlops-number' },
                  { title: 'Max', cell: ([, e]) => cell(e.max), className: 'jp-mlops-number' },
                  { title: 'Mean', cell: ([, e]) => cell(e.mean), className: 'jp-mlops-number' },
                  { title: 'Std', cell: ([, e]) => cell(e.std), className: 'jp-mlops-number' }
                ]}
              />
            ) : (
              <div className="jp-mlops-muted">
                {name}@{version} is a {record.kind}; only DataFrame versions have column profiles.
              </div>
            )}
          </Section>
          <Section title="Schema">
            {detail.schema ? (
              <pre className="jp-mlops-schema">{detail.schema}</pre>
            ) : Object.keys(record.columns).length ? (
              <div className="jp-mlops-muted">
                Columns: {Object.entries(record.columns).map(([c, t]) => `${c} (${t})`).join(', ')}. Not
                validated against a schema.
              </div>
            ) : (
              <div className="jp-mlops-muted">No schema.</div>
            )}
          </Section>
          <Section title="Runs that wrote or read it">
            {detail.runs.length ? (
              <VirtualTable<IDatasetRun>
                label={`Runs using ${name}@${version}`}
                className="jp-mlops-dataset-runs"
                rows={detail.runs}
                columns={[
                  {
                    title: 'Run',
                    width: '2fr',
                    cell: r => (
                      <button
                        className="jp-mlops-link"
                        title={`Open run ${r.id}`}
                        onClick={() => props.execute('mlops:open-run', { id: r.id })}
                      >
                        {r.name ?? shortId(r.id)}
                      </button>
                    )
                  },
                  { title: 'Used it as', cell: r => (r.direction === 'output' ? 'wrote' : 'read') },
                  { title: 'Status', cell: r => r.status ?? 'deleted' },
                  { title: 'Experiment', cell: r => r.experiment ?? '' },
                  { title: 'Started', cell: r => formatTime(r.start_time), width: '1.5fr' }
                ]}
              />
            ) : (
              <div className="jp-mlops-muted">No tracked run wrote or read this version.</div>
            )}
            {detail.more_runs ? <div className="jp-mlops-muted">and {detail.more_runs} more</div> : null}
          </Section>
          {detail.versions.length > 1 ? (
            <Diff {...props} versions={detail.versions} />
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function Diff(props: IViewProps & { name: string; version: number; versions: number[] }): JSX.Element {
  const others = props.versions.filter(v => v !== props.version);
  const [other, setOther] = React.useState(
    others.filter(v => v < props.version).pop() ?? others[0]
  );
  const [a, b] = other < props.version ? [other, props.version] : [props.version, other];
  const load = useLoad(() => diffDataset(props.settings, props.name, a, b), `${props.name}:${a}:${b}`);
  const diff = load.value;
  return (
    <Section title="Diff" className="jp-mlops-dataset-diff">
      <label className="jp-mlops-field-inline">
        Compare with{' '}
        <select
          className="jp-mod-styled"
          aria-label="Version to compare with"
          value={other}
          onChange={event => setOther(Number(event.target.value))}
        >
          {others.map(v => (
            <option key={v} value={v}>
              {props.name}@{v}
            </option>
          ))}
        </select>
      </label>
      <Status error={load.error} loading={load.loading && !diff} />
      {diff ? (
        <>
          <div className="jp-mlops-diff-summary">{diff.summary}</div>
          {diff.added.length ? <div>Added columns: {diff.added.join(', ')}</div> : null}
          {diff.removed.length ? <div>Removed columns: {diff.removed.join(', ')}</div> : null}
          {diff.retyped.map(r => (
            <div key={r.column}>
              Retyped {r.column}: {r.a} → {r.b}
            </div>
          ))}
          {diff.changes.length ? (
            <VirtualTable
              label="Changes"
              className="jp-mlops-diff-changes"
              rows={diff.changes}
              columns={[
                { title: 'Column', cell: c => c.column },
                { title: 'Change', cell: c => c.change },
                { title: diff.a, cell: c => cell(c.a), className: 'jp-mlops-number' },
                { title: diff.b, cell: c => cell(c.b), className: 'jp-mlops-number' },
                { title: 'Δ', cell: c => cell(c.delta), className: 'jp-mlops-number' }
              ]}
            />
          ) : null}
        </>
      ) : null}
    </Section>
  );
}
