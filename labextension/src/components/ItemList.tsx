import * as React from 'react';

import { ILoad } from '../hooks';
import { Header, LoadState } from './common';

/** One column of an item list: its heading and what a cell shows. */
export interface IColumn<T> {
  title: string;
  cell: (item: T) => React.ReactNode;
  className?: string;
}

export interface IItemListProps<T> {
  title: string;
  load: ILoad<T[]>;
  /** What to say, and how to make some, when there are none. */
  empty: React.ReactNode;
  columns: IColumn<T>[];
  /** Each row's key, also written to its `data-item` attribute for tests and styling. */
  itemKey: (item: T) => string;
  rowClassName: string;
}

/** The list view of the Models, Data and Drift tabs: a refreshable table of items. */
export function ItemList<T>(props: IItemListProps<T>): JSX.Element {
  const items = props.load.value;
  return (
    <div className="jp-mlops-items">
      <Header title={props.title} onRefresh={props.load.reload} />
      <LoadState load={props.load} />
      {items && items.length === 0 ? <div className="jp-mlops-empty">{props.empty}</div> : null}
      {items && items.length ? (
        <div className="jp-mlops-table-wrap">
          <table className="jp-mlops-table">
            <thead>
              <tr>
                {props.columns.map(column => (
                  <th key={column.title}>{column.title}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.map(item => (
                <tr
                  key={props.itemKey(item)}
                  className={props.rowClassName}
                  data-item={props.itemKey(item)}
                >
                  {props.columns.map(column => (
                    <td key={column.title} className={column.className}>
                      {column.cell(item)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
