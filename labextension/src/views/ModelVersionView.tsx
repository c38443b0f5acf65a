/** A model version in the main area: metrics, signature, card, aliases, audit log, lineage. */
import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { getAudit, getCard, getModel } from '../api';
import { moveAliasDialog } from '../components/AliasDialog';
import { describeAudit, formatTime } from '../format';
import { useLoad } from '../hooks';
import { formatMetric } from '../model';
import { getEvaluations, getLineage } from './api';
import { blessingChip } from './evaluations';
import { EvaluationsSection } from './EvaluationsSection';
import { layoutGraph, lineageAction, nodeDetail, nodeWidth, themedCardHtml } from './logic';
import { GraphView, Section, Status, useTheme, VirtualTable } from './parts';
import { ILineage, ILineageNode, IModelVersionDetail } from './types';

export interface IViewProps {
  settings: ServerConnection.ISettings;
  /** Run a JupyterLab command (opening another view). */
  execute: (command: string, args: Record<string, string | number>) => void;
}

export function ModelVersionView(props: IViewProps & { name: string; version: number }): JSX.Element {
  const { settings, name, version } = props;
  const load = useLoad(async () => {
    const [detail, audit, lineage, evaluations] = await Promise.all([
      getModel(settings, name),
      getAudit(settings, name),
      getLineage(settings, name, version),
      getEvaluations(settings, name, version)
    ]);
    return { detail, audit, lineage, evaluations };
  }, `${name}/${version}`);
  const [notice, setNotice] = React.useState<string | null>(null);
  const predictions = React.useRef<HTMLDivElement>(null);
  const value = load.value;
  const found = value?.detail.versions.find(v => v.version === version) as
    | IModelVersionDetail
    | undefined;
  const move = async (alias: string | null): Promise<void> => {
    if (!value) {
      return;
    }
    const done = await moveAliasDialog(settings, value.detail, alias);
    if (done) {
      setNotice(`@${done.alias} now names version ${done.to_version}`);
      load.reload();
    }
  };
  const open = (node: ILineageNode): void => {
    const action = lineageAction(node);
    if (action?.command) {
      props.execute(action.command, action.args);
    } else if (action) {
      predictions.current?.scrollIntoView({ block: 'nearest' });
      predictions.current?.focus();
    }
  };
  return (
    <div className="jp-mlops-view jp-mlops-model-view" data-model={name} data-version={version}>
      <header className="jp-mlops-view-header">
        <h2>
          {name} <span className="jp-mlops-muted">version {version}</span>
        </h2>
        {found ? (
          <span className="jp-mlops-chip">{found.status}</span>
        ) : null}
        {value && found ? <Blessing {...blessingChip(value.evaluations.blessing)} /> : null}
        {found?.aliases.map(a => (
          <span key={a} className="jp-mlops-chip jp-mlops-alias-chip">
            @{a}
          </span>
        ))}
        <button className="jp-mlops-button" onClick={load.reload} aria-label="Refresh">
          ⟳ Refresh
        </button>
      </header>
      <Status error={load.error} loading={load.loading && !value} />
      {notice ? (
        <div className="jp-mlops-notice" role="status">
          {notice}
        </div>
      ) : null}
      {value && found ? (
        <>
          <Section title="Lineage" className="jp-mlops-lineage">
            <Lineage lineage={value.lineage} onOpen={open} />
          </Section>
          <div className="jp-mlops-columns">
            <Section title="Metrics">
              <KeyTable values={Object.fromEntries(
                Object.entries(found.metrics).map(([k, v]) => [k, formatMetric(v)])
              )} empty="No metrics were logged in its run." />
            </Section>
            <Section title="Signature">
              <Signature version={found} />
            </Section>
            <Section title="Aliases">
              <div className="jp-mlops-alias-list">
                {Object.entries(value.detail.aliases).map(([alias, v]) => (
                  <div key={alias} className="jp-mlops-alias" data-alias={alias}>
                    <span className="jp-mlops-chip">
                      @{alias} → version {v}
                    </span>
                    <button
                      className="jp-mlops-button"
                      aria-label={`Move @${alias}`}
                      onClick={() => void move(alias)}
                    >
                      Move…
                    </button>
                  </div>
                ))}
                <button className="jp-mlops-button" onClick={() => void move(null)}>
                  Set alias…
                </button>
              </div>
            </Section>
          </div>
          <EvaluationsSection evaluations={value.evaluations} />
          <div ref={predictions} tabIndex={-1} className="jp-mlops-predictions">
            <Predictions lineage={value.lineage} />
          </div>
          <Section title="Model card">
            <Card settings={settings} name={name} version={version} />
          </Section>
          <Section title="Audit log">
            <VirtualTable
              label={`Audit log of ${name}`}
              className="jp-mlops-audit"
              rows={[...value.audit].reverse()}
              columns={[
                { title: 'When', cell: e => formatTime(e.timestamp), width: '180px' },
                { title: 'Who', cell: e => e.user, width: '120px' },
                { title: 'What', cell: e => describeAudit(e), width: '2fr' },
                // The store gives a registration without a reason its What as Why: shown once.
                { title: 'Why', cell: e => (e.reason === describeAudit(e) ? '' : (e.reason ?? '')), width: '2fr' }
              ]}
            />
          </Section>
        </>
      ) : null}
      {value && !found ? (
        <div className="jp-mlops-error" role="alert">
          {name} has no version {version}.
        </div>
      ) : null}
    </div>
  );
}

function Blessing(props: ReturnType<typeof blessingChip>): JSX.Element {
  return (
    <span className={`jp-mlops-chip jp-mlops-blessing jp-mod-${props.state}`} data-state={props.state} title={props.title}>
      {props.text}
    </span>
  );
}

function Lineage(props: { lineage: ILineage; onOpen: (node: ILineageNode) => void }): JSX.Element {
  const { lineage } = props;
  const layout = React.useMemo(
    () =>
      layoutGraph(
        lineage.nodes.map(n => ({ id: n.id, width: nodeWidth(n.label, nodeDetail(n)), height: 52 })),
        lineage.edges
      ),
    [lineage]
  );
  const byId = new Map(lineage.nodes.map(n => [n.id, n]));
  return (
    <>
      <GraphView
        layout={layout}
        label={`Lineage of ${lineage.name} version ${lineage.version}`}
        nodes={lineage.nodes.map(n => ({
          id: n.id,
          label: n.label,
          detail: nodeDetail(n),
          className: `jp-mlops-kind-${n.kind}${n.current ? ' jp-mod-current' : ''}${
            n.kind === 'drift' && n.drifted ? ' jp-mod-drifted' : ''
          }`,
          title: n.kind === 'predictions' ? 'Show the prediction log' : `Open ${n.label}`
        }))}
        onOpen={id => props.onOpen(byId.get(id)!)}
      />
      {lineage.more_reports ? (
        <div className="jp-mlops-muted">
          and {lineage.more_reports} older drift reports (open the Drift list to see them)
        </div>
      ) : null}
    </>
  );
}

function Predictions(props: { lineage: ILineage }): JSX.Element | null {
  const node = props.lineage.nodes.find(n => n.kind === 'predictions');
  return (
    <Section title="Prediction log">
      {node ? (
        <div>
          {node.label} for this version. Read them in a notebook with{' '}
          <code>
            mlops.predictions("{props.lineage.name}", version={props.lineage.version})
          </code>
          .
        </div>
      ) : (
        <div className="jp-mlops-muted">
          No served requests logged for this version (<code>jupyter mlops models serve</code>{' '}
          writes them).
        </div>
      )}
    </Section>
  );
}

function KeyTable(props: { values: Record<string, string>; empty: string }): JSX.Element {
  const entries = Object.entries(props.values);
  if (!entries.length) {
    return <div className="jp-mlops-muted">{props.empty}</div>;
  }
  return (
    <table className="jp-mlops-table jp-mlops-kv">
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td className="jp-mlops-number">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Spec = { name?: string; type?: string; dtype?: string };

function specs(part: unknown): Spec[] {
  if (Array.isArray(part)) {
    return part as Spec[];
  }
  if (part && typeof part === 'object') {
    const inner = (part as { columns?: unknown; schema?: unknown }).columns;
    if (Array.isArray(inner)) {
      return inner as Spec[];
    }
    return Object.entries(part as Record<string, unknown>).map(([name, type]) => ({
      name,
      type: typeof type === 'string' ? type : JSON.stringify(type)
    }));
  }
  return [];
}

function Signature(props: { version: IModelVersionDetail }): JSX.Element {
  const signature = props.version.signature;
  if (!signature) {
    return <div className="jp-mlops-muted">No signature (log the model with an input example).</div>;
  }
  const rows = [
    ...specs(signature.inputs).map(s => ({ ...s, side: 'input' })),
    ...specs((signature as { output?: unknown }).output ?? signature.outputs).map(s => ({
      ...s,
      side: 'output'
    }))
  ];
  return (
    <table className="jp-mlops-table jp-mlops-signature">
      <thead>
        <tr>
          <th>Side</th>
          <th>Name</th>
          <th>Type</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            <td>{row.side}</td>
            <td>{row.name ?? ''}</td>
            <td>{row.type ?? row.dtype ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Card(props: { settings: ServerConnection.ISettings; name: string; version: number }): JSX.Element {
  const load = useLoad(
    () => getCard(props.settings, props.name, props.version),
    `${props.name}/${props.version}`
  );
  const ref = React.useRef<HTMLDivElement>(null);
  const colors = useTheme(ref);
  return (
    <div ref={ref}>
      <Status error={load.error} loading={load.loading && !load.value} />
      {load.value ? (
        <iframe
          className="jp-mlops-card-frame jp-mlops-card-wide"
          title={`Model card of ${load.value.uri}`}
          // No scripts, no same origin: the card is the user's HTML, shown, never run.
          sandbox=""
          srcDoc={colors ? themedCardHtml(load.value.html, colors) : load.value.html}
        />
      ) : null}
    </div>
  );
}
