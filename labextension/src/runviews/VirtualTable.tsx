import * as React from 'react';
import { List, type RowComponentProps } from 'react-window';

export interface IVirtualTableProps {
  columns: string[];
  rows: React.ReactNode[][];
  /** Rows beyond this many scroll inside a fixed-height, virtualized body. */
  maxVisible?: number;
  label: string;
  rowClass?: (index: number) => string;
}

const ROW = 26;

interface IRowData {
  rows: React.ReactNode[][];
  columns: string[];
  rowClass?: (index: number) => string;
}

function Row(props: RowComponentProps<IRowData>): JSX.Element {
  return (
    <div
      // A table row, not react-window's default listitem: the header row sits in the same table.
      role="row"
      aria-rowindex={props.index + 2}
      className={`jp-mlops-vrow ${props.rowClass?.(props.index) ?? ''}`}
      style={{ ...props.style, gridTemplateColumns: template(props.columns.length) }}
    >
      {props.rows[props.index].map((cell, i) => (
        <div key={i} className="jp-mlops-vcell" role="cell">
          {cell}
        </div>
      ))}
    </div>
  );
}

function template(n: number): string {
  return `minmax(10em, 1.4fr) repeat(${Math.max(n - 1, 0)}, minmax(7em, 1fr))`;
}

/** A table whose body renders only the rows in view (react-window), so 10,000 rows stay fast. */
export function VirtualTable(props: IVirtualTableProps): JSX.Element {
  const visible = Math.min(props.rows.length, props.maxVisible ?? 14);
  return (
    <div className="jp-mlops-vtable" role="table" aria-label={props.label} aria-rowcount={props.rows.length}>
      <div className="jp-mlops-vrow jp-mlops-vhead" role="row" style={{ gridTemplateColumns: template(props.columns.length) }}>
        {props.columns.map(c => (
          <div key={c} className="jp-mlops-vcell" role="columnheader">
            {c}
          </div>
        ))}
      </div>
      <List
        rowComponent={Row}
        rowCount={props.rows.length}
        rowHeight={ROW}
        rowProps={{ rows: props.rows, columns: props.columns, rowClass: props.rowClass }}
        style={{ height: visible * ROW }}
        tabIndex={0}
      />
    </div>
  );
}
