import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { getAudit, getCard, getModel, listModels } from '../api';
import { describeAudit, formatTime, parseDatasetRef } from '../format';
import { useLoad } from '../hooks';
import { formatMetric } from '../model';
import { IModelDetail, IModelVersion, IRegisteredModel } from '../tokens';
import { moveAliasDialog } from './AliasDialog';
import { Header, ItemLink, LoadState, RunLink } from './common';
import { ItemList } from './ItemList';

export interface IModelsTabProps {
  settings: ServerConnection.ISettings;
  /** The model whose detail shows; null shows the list. */
  selected: string | null;
  onSelect: (name: string | null) => void;
  onOpenRun: (id: string) => void;
  onOpenDataset: (name: string) => void;
}

/** The Models tab: registered models, or one model's versions, aliases, audit log and card. */
export function ModelsTab(props: IModelsTabProps): JSX.Element {
  return props.selected ? (
    <ModelDetail {...props} name={props.selected} />
  ) : (
    <ModelList {...props} />
  );
}

function ModelList(props: IModelsTabProps): JSX.Element {
  const load = useLoad(() => listModels(props.settings), 'models');
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
            <button className="jp-mlops-link" onClick={() => props.onSelect(model.name)}>
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

function ModelDetail(props: IModelsTabProps & { name: string }): JSX.Element {
  const { settings, name } = props;
  const load = useLoad(
    async () => {
      const [detail, audit] = await Promise.all([
        getModel(settings, name),
        getAudit(settings, name)
      ]);
      return { detail, audit };
    },
    `model:${name}`
  );
  const [card, setCard] = React.useState<number | null>(null);
  const [notice, setNotice] = React.useState<string | null>(null);
  const move = async (detail: IModelDetail, alias: string | null): Promise<void> => {
    const done = await moveAliasDialog(settings, detail, alias);
    if (done) {
      setNotice(
        `@${done.alias} now names version ${done.to_version}` +
          (done.from_version ? ` (was ${done.from_version})` : '')
      );
      load.reload();
    }
  };
  const value = load.value;
  return (
    <div className="jp-mlops-model" data-model={name}>
      <Header
        title={name}
        back={{ label: 'Models', onClick: () => props.onSelect(null) }}
        onRefresh={load.reload}
      />
      <LoadState load={load} />
      {value ? (
        <>
          {notice ? (
            <div className="jp-mlops-notice" role="status">
              {notice}
            </div>
          ) : null}
          <Aliases detail={value.detail} onMove={alias => void move(value.detail, alias)} />
          <Versions
            {...props}
            versions={value.detail.versions}
            card={card}
            onCard={version => setCard(card === version ? null : version)}
          />
          {card !== null ? <Card settings={settings} name={name} version={card} /> : null}
          <h4>Audit log</h4>
          <table className="jp-mlops-table jp-mlops-audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {[...value.audit].reverse().map(entry => (
                <tr key={entry.id} className="jp-mlops-audit-row">
                  <td>{formatTime(entry.timestamp)}</td>
                  <td>{entry.user}</td>
                  <td>{describeAudit(entry)}</td>
                  <td className="jp-mlops-wrap">{entry.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}

function Aliases(props: {
  detail: IModelDetail;
  onMove: (alias: string | null) => void;
}): JSX.Element {
  const aliases = Object.entries(props.detail.aliases);
  return (
    <div className="jp-mlops-aliases">
      <h4>Aliases</h4>
      {aliases.length === 0 ? <span className="jp-mlops-muted">No aliases yet. </span> : null}
      {aliases.map(([alias, version]) => (
        <span key={alias} className="jp-mlops-alias" data-alias={alias}>
          <span className="jp-mlops-chip">
            @{alias} → version {version}
          </span>
          <button
            className="jp-mlops-button"
            aria-label={`Move @${alias}`}
            onClick={() => props.onMove(alias)}
          >
            Move…
          </button>
        </span>
      ))}
      <button className="jp-mlops-button" onClick={() => props.onMove(null)}>
        Set alias…
      </button>
    </div>
  );
}

function Versions(
  props: IModelsTabProps & {
    versions: IModelVersion[];
    card: number | null;
    onCard: (version: number) => void;
  }
): JSX.Element {
  const metricKeys = Array.from(new Set(props.versions.flatMap(v => Object.keys(v.metrics))))
    .sort()
    .slice(0, 4);
  return (
    <div>
      <h4>Versions</h4>
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
              <th aria-label="Model card" />
            </tr>
          </thead>
          <tbody>
            {[...props.versions].reverse().map(version => (
              <tr key={version.version} className="jp-mlops-version-row" data-version={version.version}>
                <td>
                  {version.version}
                  {version.aliases.map(alias => (
                    <span key={alias} className="jp-mlops-chip">
                      @{alias}
                    </span>
                  ))}
                </td>
                <td>{version.status}</td>
                {metricKeys.map(key => (
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
                        title={`Open dataset ${data.name}`}
                        onClick={() => props.onOpenDataset(data.name)}
                      />
                    ) : (
                      <span key={ref}>{ref}</span>
                    );
                  })}
                </td>
                <td title={version.created_by}>{formatTime(version.created_at)}</td>
                <td>
                  <button
                    className="jp-mlops-button"
                    aria-pressed={props.card === version.version}
                    onClick={() => props.onCard(version.version)}
                  >
                    Card
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The model card the registry renders, in a sandboxed frame (no scripts, its own styles). */
function Card(props: {
  settings: ServerConnection.ISettings;
  name: string;
  version: number;
}): JSX.Element {
  const load = useLoad(
    () => getCard(props.settings, props.name, props.version),
    `${props.name}/${props.version}`
  );
  return (
    <div className="jp-mlops-card">
      <h4>Model card: version {props.version}</h4>
      <LoadState load={load} />
      {load.value ? (
        <iframe
          className="jp-mlops-card-frame"
          title={`Model card of ${load.value.uri}`}
          sandbox=""
          srcDoc={load.value.html}
        />
      ) : null}
    </div>
  );
}
