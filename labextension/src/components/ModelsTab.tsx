import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { getModel } from '../api';
import { formatTime, parseDatasetRef } from '../format';
import { useLoad, useShownModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { formatMetric } from '../model';
import { IAliasMove, IModelVersion, IRegisteredModel } from '../tokens';
import { aliasMoved } from './AliasDialog';
import { Header, ItemLink, LoadState, RunLink } from './common';
import { ItemList } from './ItemList';

export interface IModelsTabProps {
  settings: ServerConnection.ISettings;
  /** The registered models (the sidebar's model of this tab's list). */
  list: LoadModel<IRegisteredModel[]>;
  /** The model whose versions show; null shows the list of models. */
  selected: string | null;
  onSelect: (name: string | null) => void;
  /** Open a version's main-area view (metrics, signature, card, aliases, audit, lineage). */
  onOpenVersion: (name: string, version: number) => void;
  onOpenRun: (id: string) => void;
  onOpenDataset: (name: string, version: number) => void;
}

/**
 * What makes a navigator row open its item: focusable, opened by a click or Enter. A click on
 * a link inside the row (a run, a dataset) opens that link's item instead.
 */
export function openRowProps(
  open: () => void,
  label: string
): React.HTMLAttributes<HTMLTableRowElement> {
  return {
    tabIndex: 0,
    title: label,
    style: { cursor: 'pointer' },
    onClick: event => {
      if (!(event.target as HTMLElement).closest('button, a, input, select')) {
        open();
      }
    },
    onKeyDown: event => {
      if (event.target !== event.currentTarget) {
        return;
      }
      if (event.key === 'Enter') {
        event.preventDefault();
        open();
      } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const row = event.currentTarget;
        const next = event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
        (next as HTMLElement | null)?.focus();
      }
    }
  };
}

/** The Models tab: registered models, or one model's versions; a version opens its view. */
export function ModelsTab(props: IModelsTabProps): JSX.Element {
  return props.selected ? (
    <ModelVersions {...props} name={props.selected} />
  ) : (
    <ModelList {...props} />
  );
}

function ModelList(props: IModelsTabProps): JSX.Element {
  const load = useShownModel(props.list);
  return (
    <ItemList<IRegisteredModel>
      title="Registered models"
      load={load}
      empty={
        <>
          No registered models yet. Register one with <code>mlops.register_model(...)</code> or{' '}
          <code>jupyter mlops models register</code>.
        </>
      }
      itemKey={model => model.name}
      rowClassName="jp-mlops-model-row"
      columns={[
        {
          title: 'Model',
          cell: model => (
            <button
              className="jp-mlops-link"
              title={`Show the versions of ${model.name}`}
              onClick={() => props.onSelect(model.name)}
            >
              {model.name}
            </button>
          )
        },
        { title: 'Versions', cell: model => model.version_count, className: 'jp-mlops-number' },
        {
          title: 'Aliases',
          cell: model =>
            Object.entries(model.aliases).map(([alias, version]) => (
              <span key={alias} className="jp-mlops-chip">
                @{alias} → {version}
              </span>
            ))
        },
        { title: 'Updated', cell: model => formatTime(model.updated_at) }
      ]}
    />
  );
}

/**
 * One model's versions side by side (a few metrics each): the navigator to the version
 * views, which hold the card, the aliases' move dialog, the audit log and the lineage.
 */
function ModelVersions(props: IModelsTabProps & { name: string }): JSX.Element {
  const { settings, name } = props;
  const load = useLoad(() => getModel(settings, name), `model:${name}`);
  // An alias moved in a version's view (the main area) shows here without a click.
  const reload = React.useRef(load.reload);
  reload.current = load.reload;
  React.useEffect(() => {
    const follow = (_: object, moved: IAliasMove): void => {
      if (moved.name === name) {
        reload.current();
      }
    };
    aliasMoved.connect(follow);
    return () => {
      aliasMoved.disconnect(follow);
    };
  }, [name]);
  const detail = load.value;
  const versions = detail?.versions ?? [];
  const metricKeys = Array.from(new Set(versions.flatMap(v => Object.keys(v.metrics))))
    .sort()
    .slice(0, 4);
  return (
    <div className="jp-mlops-model" data-model={name}>
      <Header
        title={name}
        back={{ label: 'Models', onClick: () => props.onSelect(null) }}
        onRefresh={load.reload}
      />
      <LoadState load={load} />
      {detail ? (
        <>
          <div className="jp-mlops-muted">
            {versions.length
              ? 'Open a version for its card, aliases, audit log and lineage.'
              : `${name} has no versions yet.`}
          </div>
          <div className="jp-mlops-table-wrap">
            <table className="jp-mlops-table jp-mlops-versions">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Status</th>
                  {metricKeys.map(key => (
                    <th key={key}>{key}</th>
                  ))}
                  <th>Run</th>
                  <th>Data</th>
                  <th>Registered</th>
                </tr>
              </thead>
              <tbody>
                {[...versions].reverse().map(version => (
                  <VersionRow key={version.version} {...props} version={version} metricKeys={metricKeys} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}

function VersionRow(
  props: IModelsTabProps & { name: string; version: IModelVersion; metricKeys: string[] }
): JSX.Element {
  const { name, version } = props;
  return (
    <tr
      className="jp-mlops-version-row"
      data-version={version.version}
      {...openRowProps(
        () => props.onOpenVersion(name, version.version),
        `Open ${name} version ${version.version}`
      )}
    >
      <td>
        {version.version}
        {version.aliases.map(alias => (
          <span key={alias} className="jp-mlops-chip">
            @{alias}
          </span>
        ))}
      </td>
      <td>{version.status}</td>
      {props.metricKeys.map(key => (
        <td key={key} className="jp-mlops-number">
          {formatMetric(version.metrics[key])}
        </td>
      ))}
      <td>
        <RunLink id={version.run_id} onOpenRun={props.onOpenRun} />
      </td>
      <td>
        {version.datasets.map(ref => {
          const data = parseDatasetRef(ref);
          return data ? (
            <ItemLink
              key={ref}
              label={ref}
              title={`Open dataset ${ref}`}
              onClick={() => props.onOpenDataset(data.name, data.version)}
            />
          ) : (
            <span key={ref}>{ref}</span>
          );
        })}
      </td>
      <td title={version.created_by}>{formatTime(version.created_at)}</td>
    </tr>
  );
}
