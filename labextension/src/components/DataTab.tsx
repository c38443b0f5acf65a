import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { getDataset } from '../api';
import { formatBytes, formatTime } from '../format';
import { useLoad, useShownModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { IDataset } from '../tokens';
import { Header, LoadState, RunLink } from './common';
import { ItemList } from './ItemList';
import { openRowProps } from './ModelsTab';

export interface IDataTabProps {
  settings: ServerConnection.ISettings;
  /** The datasets (the sidebar's model of this tab's list). */
  list: LoadModel<IDataset[]>;
  /** The dataset whose versions show; null shows the list. */
  selected: string | null;
  onSelect: (name: string | null) => void;
  /** Open a version's main-area view (profile, schema, runs, diff with any other version). */
  onOpenVersion: (name: string, version: number) => void;
  onOpenRun: (id: string) => void;
}

/** The Data tab: datasets, or one dataset's versions; a version opens its view. */
export function DataTab(props: IDataTabProps): JSX.Element {
  return props.selected ? (
    <DatasetVersions {...props} name={props.selected} />
  ) : (
    <DatasetList {...props} />
  );
}

function DatasetList(props: IDataTabProps): JSX.Element {
  const load = useShownModel(props.list);
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
            <button
              className="jp-mlops-link"
              title={`Show the versions of ${dataset.name}`}
              onClick={() => props.onSelect(dataset.name)}
            >
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

/** One dataset's versions, newest first: the navigator to the dataset version views. */
function DatasetVersions(props: IDataTabProps & { name: string }): JSX.Element {
  const { name } = props;
  const load = useLoad(() => getDataset(props.settings, name), `dataset:${name}`);
  const versions = load.value?.versions ?? [];
  return (
    <div className="jp-mlops-dataset" data-dataset={name}>
      <Header
        title={name}
        back={{ label: 'Datasets', onClick: () => props.onSelect(null) }}
        onRefresh={load.reload}
      />
      <LoadState load={load} />
      {load.value ? (
        <>
          <div className="jp-mlops-muted">
            Open a version for its profile, schema, the runs that used it and its diff.
          </div>
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
                </tr>
              </thead>
              <tbody>
                {[...versions].reverse().map(version => (
                  <tr
                    key={version.version}
                    className="jp-mlops-data-version-row"
                    data-version={version.version}
                    {...openRowProps(
                      () => props.onOpenVersion(name, version.version),
                      `Open ${version.ref}`
                    )}
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
