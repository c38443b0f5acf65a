/**
 * State of the Runs tab: the query, the current page, selection, and polling that refreshes
 * while runs are RUNNING and backs off while the browser tab is hidden. The loading, ticket
 * and polling rules are LoadModel's, shared with every other tab.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, listRuns } from './api';
import { LoadModel } from './loadmodel';
import { IRunsPage, IRunsQuery } from './tokens';

export { MAX_POLL_MS, nextDelay, POLL_MS } from './loadmodel';

/** What a click in the Runs list opens: the main-area views, once the plugin registered them. */
export interface IRunsActions {
  openRun: (id: string) => void;
  compare: (ids: string[]) => void;
  /** The other tabs' items: each opens its main-area view (absent: nothing to open yet). */
  openModel?: (name: string, version: number) => void;
  openDataset?: (name: string, version: number) => void;
  openDrift?: (id: string) => void;
  openPipeline?: (path: string) => void;
}

function isRunning(page: IRunsPage): boolean {
  return page.runs.some(run => run.status === 'RUNNING');
}

export class RunsModel extends LoadModel<IRunsPage, ApiError> {
  constructor(private readonly _settings: ServerConnection.ISettings) {
    super({
      toError: reason => (reason instanceof ApiError ? reason : new ApiError(0, String(reason))),
      // Not live (sidebar collapsed), it still polls while a run on the page is RUNNING.
      pollWhile: isRunning
    });
  }

  /** The main-area views a row or Compare opens; null keeps the sidebar's own detail. */
  actions: IRunsActions | null = null;

  /** The Runs list's chosen columns (the settings' `columns`); null: the defaults. */
  get columns(): string[] | null {
    return this._columns;
  }

  /**
   * Choose the columns. `save` is true when the user chose them in the list, so the plugin
   * writes them to the settings; a change read from the settings only redraws.
   */
  setColumns(columns: string[] | null, save = false): void {
    this._columns = columns;
    if (save) {
      this._columnsChosen.emit(columns ?? []);
    }
    this.emitChanged();
  }

  /** Emitted with the columns a user chose in the list (to be kept in the settings). */
  get columnsChosen(): ISignal<this, string[]> {
    return this._columnsChosen;
  }

  get query(): IRunsQuery {
    return this._query;
  }

  get page(): IRunsPage | null {
    return this.value;
  }

  get selected(): ReadonlySet<string> {
    return this._selected;
  }

  get settings(): ServerConnection.ISettings {
    return this._settings;
  }

  /** Change the query; a new filter or sort goes back to the first page. */
  setQuery(change: Partial<IRunsQuery>): Promise<void> {
    const resets =
      change.filter !== undefined || change.orderBy !== undefined || change.experiment !== undefined;
    this._query = { ...this._query, ...change, ...(resets ? { offset: 0 } : {}) };
    return this.refresh();
  }

  /** Untick every run (after a comparison opened, say). */
  clearSelection(): void {
    this._selected.clear();
    this.emitChanged();
  }

  toggle(id: string): void {
    if (this._selected.has(id)) {
      this._selected.delete(id);
    } else {
      this._selected.add(id);
    }
    this.emitChanged();
  }

  get hasRunning(): boolean {
    return this.page !== null && isRunning(this.page);
  }

  protected load(): Promise<IRunsPage> {
    return listRuns(this._settings, this._query);
  }

  private _columns: string[] | null = null;
  private _columnsChosen = new Signal<this, string[]>(this);
  private _query: IRunsQuery = { filter: '', orderBy: '', limit: 50, offset: 0, experiment: '' };
  private _selected = new Set<string>();
}

/** How a metric value reads in a table cell. */
export function formatMetric(value: number | string | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(3)
    : String(Number(value.toFixed(4)));
}

/** The short form of a run id shown in tables: its random end. */
export function shortId(id: string): string {
  return id.slice(-8);
}
