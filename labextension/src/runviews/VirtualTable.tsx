import * as React from 'react';
import { List, type RowComponentProps } from 'react-window';

export interface IVirtualTableProps {
  columns: React.ReactNode[];
  rows: React.ReactNode[][];
  /** Rows beyond this many scroll inside a fixed-height, virtualized body. */
  maxVisible?: number;
  label: string;
  rowClass?: (index: number) => string;
  /** Each row's data-* attributes (without the prefix), for styles and tests to find it. */
  rowData?: (index: number) => Record<string, string>;
  className?: string;
}

const ROW = 26;

interface IRowData {
  rows: React.ReactNode[][];
  columns: React.ReactNode[];
  rowClass?: (index: number) => string;
  rowData?: (index: number) => Record<string, string>;
}

function dataAttributes(values: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    out[`data-${key}`] = value;
  }
  return out;
}

function Row(props: RowComponentProps<IRowData>): JSX.Element {
  return (
    <div
      // A table row, not react-window's default listitem: the header row sits in the same table.
      role="row"
      {...dataAttributes(props.rowData?.(props.index))}
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

/**
 * The narrowest the table gets before it scrolls sideways (inside a wrapper with overflow-x):
 * the columns' minimum widths, the gaps and the padding.
 */
export function minTableWidth(columns: number): string {
  return `calc(10em + ${Math.max(columns - 1, 0) * 7}em + ${Math.max(columns - 1, 0) * 8 + 18}px)`;
}

/** A table whose body renders only the rows in view (react-window), so 10,000 rows stay fast. */
export function VirtualTable(props: IVirtualTableProps): JSX.Element {
  const visible = Math.min(props.rows.length, props.maxVisible ?? 14);
  return (
    <div
      className={`jp-mlops-vtable ${props.className ?? ''}`}
      role="table"
      aria-label={props.label}
      aria-rowcount={props.rows.length}
    >
      <div className="jp-mlops-vrow jp-mlops-vhead" role="row" style={{ gridTemplateColumns: template(props.columns.length) }}>
        {props.columns.map((c, i) => (
          <div key={i} className="jp-mlops-vcell" role="columnheader">
            {c}
          </div>
        ))}
      </div>
      <List
        rowComponent={Row}
        rowCount={props.rows.length}
        rowHeight={ROW}
        rowProps={{ rows: props.rows, columns: props.columns, rowClass: props.rowClass, rowData: props.rowData }}
        style={{ height: visible * ROW }}
        tabIndex={0}
      />
    </div>
  );
}
