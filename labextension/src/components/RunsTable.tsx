import * as React from 'react';

import { formatMetric, RunsModel, shortId } from '../model';
import { IRunSummary } from '../tokens';

export interface IRunsTableProps {
  model: RunsModel;
  onOpen: (id: string) => void;
  onCompare: (ids: string[]) => void;
}

const SORTABLE: [string, string][] = [
  ['name', 'Name'],
  ['status', 'Status'],
  ['start_time', 'Started']
];

/** The Runs tab: filter box, sortable columns, server-side paging, selection to compare. */
export function RunsTable(props: IRunsTableProps): JSX.Element {
  const { model } = props;
  const [, setVersion] = React.useState(0);
  const [filter, setFilter] = React.useState(model.query.filter);
  React.useEffect(() => {
    const update = (): void => setVersion(v => v + 1);
    model.changed.connect(update);
    return () => {
      model.changed.disconnect(update);
    };
  }, [model]);

  const page = model.page;
  const runs = page?.runs ?? [];
  const metricKeys = Array.from(new Set(runs.flatMap(r => Object.keys(r.metrics)))).sort();
  const sortBy = (key: string): void => {
    const [current, direction] = model.query.orderBy.split(' ');
    const next = current === key && direction !== 'DESC' ? `${key} DESC` : `${key} ASC`;
    void model.setQuery({ orderBy: next });
  };
  const arrow = (key: string): string => {
    const [current, direction] = model.query.orderBy.split(' ');
    return current === key ? (direction === 'DESC' ? ' ▼' : ' ▲') : '';
  };
  const header = (key: string, label: string): JSX.Element => (
    <th key={key}>
      <button className="jp-mlops-sort" onClick={() => sortBy(key)}>
        {label}
        {arrow(key)}
      </button>
    </th>
  );
  const from = page ? page.offset + 1 : 0;
  const to = page ? page.offset + runs.length : 0;

  return (
    <div className="jp-mlops-runs">
      <form
        className="jp-mlops-filter"
        onSubmit={event => {
          event.preventDefault();
          void model.setQuery({ filter });
        }}
      >
        <input
          className="jp-mlops-filter-input"
          aria-label="Filter runs"
          placeholder="metrics.auc > 0.8 and params.C = '0.5'"
          value={filter}
          onChange={event => setFilter(event.target.value)}
        />
        <button type="submit" className="jp-mlops-button">
          Filter
        </button>
      </form>
      {model.error ? <div className="jp-mlops-error">{model.error.message}</div> : null}
      <div className="jp-mlops-table-wrap">
      <table className="jp-mlops-table">
        <thead>
          <tr>
            <th aria-label="Select" />
            <th>Run</th>
            {SORTABLE.map(([key, label]) => header(key, label))}
            {metricKeys.map(key => header(`metrics.${key}`, key))}
          </tr>
        </thead>
        <tbody>
          {runs.map(run => (
            <RunRow key={run.id} {...props} run={run} metricKeys={metricKeys} />
          ))}
        </tbody>
      </table>
      </div>
      {page && page.total === 0 ? (
        <div className="jp-mlops-empty">
          No runs yet. Track one with <code>%%mlops_track</code> or
          <code> mlops.start_run()</code>.
        </div>
      ) : null}
      <div className="jp-mlops-pager">
        <button
          className="jp-mlops-button"
          disabled={!page || page.offset === 0}
          onClick={() =>
            void model.setQuery({ offset: Math.max(0, model.query.offset - model.query.limit) })
          }
        >
          Previous
        </button>
        <span className="jp-mlops-count">
          {page ? `${from}–${to} of ${page.total}` : model.loading ? 'Loading…' : ''}
        </span>
        <button
          className="jp-mlops-button"
          disabled={!page || to >= page.total}
          onClick={() => void model.setQuery({ offset: model.query.offset + model.query.limit })}
        >
          Next
        </button>
        <button
          className="jp-mlops-button"
          disabled={model.selected.size < 1}
          onClick={() => props.onCompare(Array.from(model.selected))}
        >
          Compare ({model.selected.size})
        </button>
      </div>
    </div>
  );
}

interface IRunRowProps extends IRunsTableProps {
  run: IRunSummary;
  metricKeys: string[];
}

function RunRow(props: IRunRowProps): JSX.Element {
  const { run, model } = props;
  return (
    <tr
      className="jp-mlops-run-row"
      data-run-id={run.id}
      tabIndex={0}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          props.onOpen(run.id);
        }
      }}
    >
      <td>
        <input
          type="checkbox"
          aria-label={`Select run ${run.name}`}
          checked={model.selected.has(run.id)}
          onChange={() => model.toggle(run.id)}
        />
      </td>
      <td>
        <button className="jp-mlops-link" onClick={() => props.onOpen(run.id)}>
          {shortId(run.id)}
        </button>
      </td>
      <td>{run.name}</td>
      <td className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`}>
        {run.status}
      </td>
      <td>{new Date(run.start_time * 1000).toLocaleString()}</td>
      {props.metricKeys.map(key => (
        <td key={key} className="jp-mlops-number">
          {formatMetric(run.metrics[key])}
        </td>
      ))}
    </tr>
  );
}
