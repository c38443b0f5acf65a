import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { diffDataset, getDataset, listDatasets } from '../api';
import { defaultDiffPair, formatBytes, formatTime } from '../format';
import { useLoad } from '../hooks';
import { formatMetric } from '../model';
import { IDataset, IDatasetDiff, IDatasetVersion } from '../tokens';
import { Header, LoadState, RunLink } from './common';
import { ItemList } from './ItemList';

export interface IDataTabProps {
  settings: ServerConnection.ISettings;
  /** The dataset whose versions show; null shows the list. */
  selected: string | null;
  onSelect: (name: string | null) => void;
  onOpenRun: (id: string) => void;
}

/** The Data tab: datasets, or one dataset's versions with their profiles and diffs. */
export function DataTab(props: IDataTabProps): JSX.Element {
  return props.selected ? (
    <DatasetDetail {...props} name={props.selected} />
  ) : (
    <DatasetList {...props} />
  );
}

function DatasetList(props: IDataTabProps): JSX.Element {
  const load = useLoad(() => listDatasets(props.settings), 'datasets');
  return (
    <ItemList<IDataset>
      title="Datasets"
      load={load}
      empty={
        <>
          No data versions yet. Version a DataFrame, file or folder with{' '}
          <code>mlops.version_data(obj, "name")</code> or <code>%mlops_data NAME VAR</code>.
        </>
      }
      itemKey={dataset => dataset.name}
      rowClassName="jp-mlops-dataset-row"
      columns={[
        {
          title: 'Dataset',
          cell: dataset => (
            <button className="jp-mlops-link" onClick={() => props.onSelect(dataset.name)}>
              {dataset.name}
            </button>
          )
        },
        { title: 'Versions', cell: d => d.version_count, className: 'jp-mlops-number' },
        { title: 'Schema', cell: d => (d.schema ? 'validated' : '') },
        { title: 'Updated', cell: d => formatTime(d.updated_at) },
        { title: 'Description', cell: d => d.description ?? '', className: 'jp-mlops-wrap' }
      ]}
    />
  );
}

function DatasetDetail(props: IDataTabProps & { name: string }): JSX.Element {
  const load = useLoad(() => getDataset(props.settings, props.name), `dataset:${props.name}`);
  const [profile, setProfile] = React.useState<number | null>(null);
  const versions = load.value?.versions ?? [];
  const shown = versions.find(v => v.version === profile) ?? versions[versions.length - 1];
  return (
    <div className="jp-mlops-dataset" data-dataset={props.name}>
      <Header
        title={props.name}
        back={{ label: 'Datasets', onClick: () => props.onSelect(null) }}
        onRefresh={load.reload}
      />
      <LoadState load={load} />
      {load.value ? (
        <>
          <div className="jp-mlops-table-wrap">
            <table className="jp-mlops-table jp-mlops-data-versions">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Kind</th>
                  <th>Rows</th>
                  <th>Files</th>
                  <th>Size</th>
                  <th>Run</th>
                  <th>Created</th>
                  <th aria-label="Profile" />
                </tr>
              </thead>
              <tbody>
                {[...versions].reverse().map(version => (
                  <tr
                    key={version.version}
                    className="jp-mlops-data-version-row"
                    data-version={version.version}
                  >
                    <td title={version.digest}>{version.ref}</td>
                    <td>{version.kind}</td>
                    <td className="jp-mlops-number">{version.rows ?? ''}</td>
                    <td className="jp-mlops-number">{version.files ?? ''}</td>
                    <td className="jp-mlops-number">{formatBytes(version.bytes)}</td>
                    <td>
                      <RunLink id={version.run_id} onOpenRun={props.onOpenRun} />
                    </td>
                    <td title={version.created_by}>{formatTime(version.created_at)}</td>
                    <td>
                      {version.profile ? (
                        <button
                          className="jp-mlops-button"
                          aria-pressed={shown?.version === version.version}
                          onClick={() => setProfile(version.version)}
                        >
                          Profile
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {shown ? <Profile version={shown} /> : null}
          {versions.length > 1 ? (
            <Diff settings={props.settings} name={props.name} versions={versions} />
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** The stored column profile of one version. */
function Profile(props: { version: IDatasetVersion }): JSX.Element {
  const { version } = props;
  const columns = Object.entries(version.profile?.columns ?? {});
  if (!columns.length) {
    return (
      <div className="jp-mlops-empty">
        {version.ref} is a {version.kind}
        {version.kind === 'dataframe' ? ' without a stored profile' : ''}.
      </div>
    );
  }
  return (
    <div className="jp-mlops-profile" data-version={version.version}>
      <h4>Profile of {version.ref}</h4>
      <div className="jp-mlops-table-wrap">
        <table className="jp-mlops-table">
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th>Nulls</th>
              <th>Distinct</th>
              <th>Min</th>
              <th>Max</th>
              <th>Mean</th>
              <th>Std</th>
            </tr>
          </thead>
          <tbody>
            {columns.map(([column, entry]) => (
              <tr key={column}>
                <th>{column}</th>
                <td>{entry.dtype ?? entry.type ?? ''}</td>
                <td className="jp-mlops-number">{entry.nulls ?? ''}</td>
                <td className="jp-mlops-number">{entry.distinct ?? ''}</td>
                <td className="jp-mlops-number">{cell(entry.min)}</td>
                <td className="jp-mlops-number">{cell(entry.max)}</td>
                <td className="jp-mlops-number">{cell(entry.mean)}</td>
                <td className="jp-mlops-number">{cell(entry.std)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function cell(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'number' ? formatMetric(value) : String(value);
}

/** Two version pickers and what changed between them. */
function Diff(props: {
  settings: ServerConnection.ISettings;
  name: string;
  versions: IDatasetVersion[];
}): JSX.Element {
  const pair = defaultDiffPair(props.versions.map(v => v.version))!;
  const [a, setA] = React.useState(pair[0]);
  const [b, setB] = React.useState(pair[1]);
  const load = useLoad<IDatasetDiff>(
    () => diffDataset(props.settings, props.name, a, b),
    `${props.name}:${a}:${b}`
  );
  const picker = (label: string, value: number, set: (v: number) => void): JSX.Element => (
    <label className="jp-mlops-field-inline">
      {label}{' '}
      <select
        className="jp-mod-styled"
        aria-label={`Diff ${label}`}
        value={value}
        onChange={event => set(Number(event.target.value))}
      >
        {props.versions.map(v => (
          <option key={v.version} value={v.version}>
            {v.ref}
          </option>
        ))}
      </select>
    </label>
  );
  const diff = load.value;
  return (
    <div className="jp-mlops-diff">
      <h4>Diff</h4>
      <div className="jp-mlops-filter">
        {picker('from', a, setA)}
        {picker('to', b, setB)}
      </div>
      <LoadState load={load} />
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
            <div className="jp-mlops-table-wrap">
              <table className="jp-mlops-table jp-mlops-diff-changes">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>Change</th>
                    <th>{diff.a}</th>
                    <th>{diff.b}</th>
                    <th>Δ</th>
                  </tr>
                </thead>
                <tbody>
                  {diff.changes.map((change, index) => (
                    <tr key={index}>
                      <td>{change.column}</td>
                      <td>{change.change}</td>
                      <td className="jp-mlops-number">{cell(change.a)}</td>
                      <td className="jp-mlops-number">{cell(change.b)}</td>
                      <td className="jp-mlops-number">{cell(change.delta)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
