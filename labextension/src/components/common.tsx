import * as React from 'react';

import { ILoad } from '../hooks';
import { shortId } from '../model';

/** A heading row: a back button when there is somewhere to go back to, a title, a refresh. */
export function Header(props: {
  title: string;
  back?: { label: string; onClick: () => void };
  onRefresh?: () => void;
}): JSX.Element {
  return (
    <div className="jp-mlops-header">
      {props.back ? (
        <button className="jp-mlops-button" onClick={props.back.onClick}>
          ← {props.back.label}
        </button>
      ) : null}
      <h3 className="jp-mlops-subtitle">{props.title}</h3>
      {props.onRefresh ? (
        <button
          className="jp-mlops-button jp-mlops-refresh"
          aria-label="Refresh"
          title="Refresh"
          onClick={props.onRefresh}
        >
          ⟳
        </button>
      ) : null}
    </div>
  );
}

/** What a load shows until it has a value: "Loading…" or its error. */
export function LoadState(props: { load: ILoad<unknown> }): JSX.Element | null {
  if (props.load.error) {
    return (
      <div className="jp-mlops-error" role="alert">
        {props.load.error}
      </div>
    );
  }
  return props.load.value === null ? <div className="jp-mlops-empty">Loading…</div> : null;
}

/** A run id that opens the run in the Runs tab. */
export function RunLink(props: { id: string | null; onOpenRun: (id: string) => void }): JSX.Element {
  if (!props.id) {
    return <span className="jp-mlops-muted">–</span>;
  }
  const id = props.id;
  return (
    <button className="jp-mlops-link" title={`Open run ${id}`} onClick={() => props.onOpenRun(id)}>
      {shortId(id)}
    </button>
  );
}

/** A link-styled button to another tab's item. */
export function ItemLink(props: {
  label: string;
  title: string;
  onClick: () => void;
}): JSX.Element {
  return (
    <button className="jp-mlops-link jp-mlops-item-link" title={props.title} onClick={props.onClick}>
      {props.label}
    </button>
  );
}

/** A key/value table; nothing when there are no entries. */
export function KeyValues(props: {
  title: string;
  values: Record<string, string>;
}): JSX.Element | null {
  const entries = Object.entries(props.values);
  if (!entries.length) {
    return null;
  }
  return (
    <div>
      <h4>{props.title}</h4>
      <table className="jp-mlops-kv">
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
