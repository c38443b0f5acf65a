/** The trials of a sweep: a virtualized table (react-window) sortable by number and by value. */
import * as React from 'react';
import { List, type RowComponentProps } from 'react-window';

import { formatDuration } from '../runviews/logic';
import { formatParam, formatValue, ISort, nextSort, SortKey } from './logic';
import { ISweepTrial } from './types';

export interface ITrialsTableProps {
  trials: ISweepTrial[];
  params: string[];
  metric: string;
  direction: 'maximize' | 'minimize';
  sort: ISort;
  onSort: (sort: ISort) => void;
  bestId: string | null;
  openRun: (id: string) => void;
}

const ROW = 28;
const MAX_VISIBLE = 16;

interface IRowData {
  trials: ISweepTrial[];
  params: string[];
  template: string;
  bestId: string | null;
  openRun: (id: string) => void;
}

function template(params: number): string {
  return `minmax(7em, 1fr) 7.5em minmax(6em, 1fr) repeat(${params}, minmax(6em, 1fr)) 5em 6em`;
}

function Row(props: RowComponentProps<IRowData>): JSX.Element {
  const trial = props.trials[props.index];
  const best = trial.id === props.bestId;
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      className={`jp-mlops-vrow jp-mlops-trial-row${best ? ' jp-mlops-trial-best' : ''}`}
      data-trial-number={trial.number ?? ''}
      data-state={trial.state}
      style={{ ...props.style, gridTemplateColumns: props.template }}
    >
      <div className="jp-mlops-vcell" role="cell">
        <button
          className="jp-mlops-link"
          onClick={() => props.openRun(trial.id)}
          title={`Open the run of ${trial.name}`}
        >
          {trial.name}
          {best ? ' ★' : ''}
        </button>
      </div>
      <div className="jp-mlops-vcell" role="cell">
        <span className={`jp-mlops-trial-state jp-mlops-trial-state-${trial.state}`}>{trial.state}</span>
      </div>
      <div className="jp-mlops-vcell jp-mlops-trial-value" role="cell">
        {formatValue(trial)}
      </div>
      {props.params.map(key => (
        <div key={key} className="jp-mlops-vcell" role="cell" title={String(trial.params[key] ?? '')}>
          {formatParam(trial.params[key])}
        </div>
      ))}
      <div className="jp-mlops-vcell" role="cell">
        {trial.intermediate_values}
      </div>
      <div className="jp-mlops-vcell" role="cell">
        {formatDuration(trial.duration)}
      </div>
    </div>
  );
}

function SortHeader(props: ITrialsTableProps & { column: SortKey; label: string }): JSX.Element {
  const active = props.sort.key === props.column;
  const arrow = active ? (props.sort.descending ? ' ▾' : ' ▴') : '';
  return (
    <div
      className="jp-mlops-vcell"
      role="columnheader"
      aria-sort={active ? (props.sort.descending ? 'descending' : 'ascending') : 'none'}
    >
      <button
        className="jp-mlops-sort"
        data-sort={props.column}
        onClick={() => props.onSort(nextSort(props.sort, props.column, props.direction))}
      >
        {props.label}
        {arrow}
      </button>
    </div>
  );
}

export function TrialsTable(props: ITrialsTableProps): JSX.Element {
  const columns = template(props.params.length);
  const visible = Math.max(1, Math.min(props.trials.length, MAX_VISIBLE));
  return (
    <div
      className="jp-mlops-vtable jp-mlops-trials"
      role="table"
      aria-label="Trials"
      aria-rowcount={props.trials.length + 1}
    >
      <div className="jp-mlops-vrow jp-mlops-vhead" role="row" style={{ gridTemplateColumns: columns }}>
        <SortHeader {...props} column="number" label="Trial" />
        <div className="jp-mlops-vcell" role="columnheader">
          State
        </div>
        <SortHeader {...props} column="value" label={props.metric || 'Value'} />
        {props.params.map(key => (
          <div key={key} className="jp-mlops-vcell" role="columnheader" title={key}>
            {key}
          </div>
        ))}
        <div className="jp-mlops-vcell" role="columnheader" title="Values of the metric logged">
          Steps
        </div>
        <div className="jp-mlops-vcell" role="columnheader">
          Duration
        </div>
      </div>
      <List
        rowComponent={Row}
        rowCount={props.trials.length}
        rowHeight={ROW}
        rowProps={{
          trials: props.trials,
          params: props.params,
          template: columns,
          bestId: props.bestId,
          openRun: props.openRun
        }}
        style={{ height: visible * ROW }}
        tabIndex={0}
      />
    </div>
  );
}
