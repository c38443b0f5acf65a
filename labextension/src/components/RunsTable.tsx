import * as React from 'react';

import { listExperiments } from '../api';
import { useModel } from '../hooks';
import { formatMetric, RunsModel, shortId } from '../model';
import { BASE_COLUMNS, formatDuration, treeRows, visibleColumns } from '../runviews/logic';
import { IExperiment, IRunSummary } from '../tokens';

export interface IRunsTableProps {
  model: RunsModel;
  onOpen: (id: string) => void;
  onCompare: (ids: string[]) => void;
  /** The chosen columns (kept in the extension's settings) and how to change them. */
  columns?: string[] | null;
  onColumns?: (columns: string[]) => void;
}

const LABELS: Record<string, string> = {
  name: 'Name',
  experiment: 'Experiment',
  status: 'Status',
  start_time: 'Started',
  duration: 'Duration'
};
const SORTABLE = new Set(['name', 'status', 'start_time', 'experiment']);

/** The Runs tab: experiments, filter, a tree of runs, chosen columns, paging, live refresh. */
export function RunsTable(given: IRunsTableProps): JSX.Element {
  const { model } = given;
  // Once the plugin registered the main-area views, a row opens the Run view and Compare the
  // Compare view; the chosen columns live in the model (and, through it, in the settings).
  const props: IRunsTableProps = {
    ...given,
    onOpen: model.actions?.openRun ?? given.onOpen,
    onCompare: model.actions?.compare ?? given.onCompare,
    columns: given.columns ?? model.columns,
    onColumns: given.onColumns ?? (columns => model.setColumns(columns, true))
  };
  useModel(model);
  const [filter, setFilter] = React.useState(model.query.filter);
  const [collapsed, setCollapsed] = React.useState<Set<string>>(new Set());
  const [experiments, setExperiments] = React.useState<IExperiment[]>([]);
  const [choosing, setChoosing] = React.useState(false);
  const page = model.page;
  // Experiments and their counts follow each refresh of the page (new runs, new experiments).
  React.useEffect(() => {
    if (!page) {
      return; // the page answers first: a server without our extension fails there, once
    }
    listExperiments(model.settings).then(
      found => setExperiments(Array.isArray(found) ? found : []),
      () => undefined
    );
  }, [page]);

  const runs = page?.runs ?? [];
  const metricKeys = Array.from(new Set(runs.flatMap(r => Object.keys(r.metrics)))).sort();
  const available = metricKeys.map(k => `metrics.${k}`);
  const paramKeys = Array.from(new Set(runs.flatMap(r => Object.keys(r.params)))).sort();
  const columns = visibleColumns(props.columns, [...available, ...paramKeys.map(k => `params.${k}`)]);
  const chosen = props.columns && props.columns.length ? props.columns : columns;
  const sortBy = (key: string): void => {
    const [current, direction] = model.query.orderBy.split(' ');
    const next = current === key && direction !== 'DESC' ? `${key} DESC` : `${key} ASC`;
    void model.setQuery({ orderBy: next });
  };
  const arrow = (key: string): string => {
    const [current, direction] = model.query.orderBy.split(' ');
    return current === key ? (direction === 'DESC' ? ' ▼' : ' ▲') : '';
  };
  const label = (key: string): string => LABELS[key] ?? key.replace(/^(metrics|params)\./, '');
  const header = (key: string): JSX.Element => (
    <th key={key}>
      {SORTABLE.has(key) || key.startsWith('metrics.') || key.startsWith('params.') ? (
        <button className="jp-mlops-sort" onClick={() => sortBy(key)}>
          {label(key)}
          {arrow(key)}
        </button>
      ) : (
        label(key)
      )}
    </th>
  );
  const from = page ? page.offset + 1 : 0;
  const to = page ? page.offset + runs.length : 0;
  const rows = treeRows(runs, collapsed);
  const total = experiments.reduce((n, e) => n + e.run_count, 0);
  const toggleColumn = (key: string): void => {
    const next = chosen.includes(key) ? chosen.filter(c => c !== key) : [...chosen, key];
    props.onColumns?.(next.length ? next : ['name']);
  };

  return (
    <div className="jp-mlops-runs">
      <div className="jp-mlops-toolbar">
        <label className="jp-mlops-experiments">
          <span className="jp-mlops-muted">Experiment</span>{' '}
          <select
            aria-label="Experiment"
            value={model.query.experiment ?? ''}
            onChange={e => void model.setQuery({ experiment: e.target.value })}
          >
            <option value="">All experiments ({total})</option>
            {experiments.map(e => (
              <option key={e.id} value={e.name}>
                {e.name} ({e.run_count})
              </option>
            ))}
          </select>
        </label>
        <button
          className="jp-mlops-button jp-mlops-refresh"
          aria-label="Refresh runs"
          title="Refresh"
          onClick={() => void model.refresh()}
        >
          ⟳ Refresh
        </button>
        <button
          className="jp-mlops-button"
          aria-expanded={choosing}
          aria-label="Choose columns"
          onClick={() => setChoosing(c => !c)}
        >
          Columns
        </button>
      </div>
      {choosing ? (
        <fieldset className="jp-mlops-column-chooser" aria-label="Columns">
          {[...BASE_COLUMNS, ...available, ...paramKeys.map(k => `params.${k}`)].map(key => (
            <label key={key}>
              <input type="checkbox" checked={columns.includes(key)} onChange={() => toggleColumn(key)} />{' '}
              {key.startsWith('params.') || key.startsWith('metrics.') ? key : label(key)}
            </label>
          ))}
        </fieldset>
      ) : null}
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
        <table className="jp-mlops-table" role="treegrid" aria-label="Runs">
          <thead>
            <tr>
              <th aria-label="Select" />
              <th>Run</th>
              {columns.map(header)}
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <RunRow
                key={row.run.id}
                {...props}
                run={row.run}
                depth={row.depth}
                hasChildren={row.hasChildren}
                collapsed={collapsed.has(row.run.id)}
                onToggle={() =>
                  setCollapsed(c => {
                    const next = new Set(c);
                    if (!next.delete(row.run.id)) {
                      next.add(row.run.id);
                    }
                    return next;
                  })
                }
                columns={columns}
              />
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
          className="jp-mlops-button jp-mlops-compare-button"
          disabled={model.selected.size < 2}
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
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
  onToggle: () => void;
  columns: string[];
}

function cell(run: IRunSummary, key: string): React.ReactNode {
  switch (key) {
    case 'name':
      return run.name;
    case 'experiment':
      return run.experiment;
    case 'status':
      return run.status;
    case 'start_time':
      return new Date(run.start_time * 1000).toLocaleString();
    case 'duration':
      return run.end_time === null ? 'running' : formatDuration(run.end_time - run.start_time);
  }
  if (key.startsWith('metrics.')) {
    return formatMetric(run.metrics[key.slice(8)]);
  }
  if (key.startsWith('params.')) {
    return run.params[key.slice(7)] ?? '';
  }
  return '';
}

function RunRow(props: IRunRowProps): JSX.Element {
  const { run, model } = props;
  return (
    <tr
      className="jp-mlops-run-row"
      data-run-id={run.id}
      data-depth={props.depth}
      aria-level={props.depth + 1}
      aria-expanded={props.hasChildren ? !props.collapsed : undefined}
      tabIndex={0}
      onKeyDown={event => {
        if (event.target !== event.currentTarget) {
          return;
        }
        if (event.key === 'Enter') {
          props.onOpen(run.id);
        } else if (event.key === ' ') {
          event.preventDefault();
          model.toggle(run.id);
        } else if ((event.key === 'ArrowRight' && props.collapsed) || (event.key === 'ArrowLeft' && props.hasChildren && !props.collapsed)) {
          props.onToggle();
        } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          const sibling = event.key === 'ArrowDown' ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
          (sibling as HTMLElement | null)?.focus();
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
      <td className="jp-mlops-tree-cell" style={{ paddingLeft: `${0.3 + props.depth * 1.1}em` }}>
        {props.hasChildren ? (
          <button
            className="jp-mlops-twisty"
            aria-label={props.collapsed ? `Expand ${run.name}` : `Collapse ${run.name}`}
            onClick={props.onToggle}
          >
            {props.collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="jp-mlops-twisty-space" />
        )}
        <button className="jp-mlops-link" onClick={() => props.onOpen(run.id)}>
          {shortId(run.id)}
        </button>
      </td>
      {props.columns.map(key => (
        <td
          key={key}
          className={
            key === 'status'
              ? `jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`
              : key.startsWith('metrics.')
                ? 'jp-mlops-number'
                : undefined
          }
        >
          {cell(run, key)}
        </td>
      ))}
    </tr>
  );
}
