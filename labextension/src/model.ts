/**
 * State of the Runs tab: the query, the current page, selection, and polling that refreshes
 * while runs are RUNNING and backs off while the browser tab is hidden.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, listRuns } from './api';
import { IRunsPage, IRunsQuery } from './tokens';

export const POLL_MS = 2000;
export const MAX_POLL_MS = 60000;

/** The next polling delay: fast while visible, doubling up to a cap while hidden. */
export function nextDelay(current: number, hidden: boolean, base: number = POLL_MS): number {
  return hidden ? Math.min(Math.max(current, base) * 2, MAX_POLL_MS) : base;
}

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

export class RunsModel {
  constructor(private readonly _settings: ServerConnection.ISettings) {
    document.addEventListener('visibilitychange', this._onVisibility);
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
    this._changed.emit();
  }

  /** Emitted with the columns a user chose in the list (to be kept in the settings). */
  get columnsChosen(): ISignal<this, string[]> {
    return this._columnsChosen;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get query(): IRunsQuery {
    return this._query;
  }

  get page(): IRunsPage | null {
    return this._page;
  }

  get error(): ApiError | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
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

  /**
   * Live: while the Runs list is visible it refreshes every poll interval, so new and changed
   * runs appear without a click; otherwise it polls only while a run on the page is RUNNING.
   */
  setLive(live: boolean): void {
    const was = this._live;
    this._live = live;
    if (live && !was && !this._disposed) {
      void this.refresh();
    } else {
      this._schedule();
    }
  }

  get live(): boolean {
    return this._live;
  }

  /** The poll interval (the settings' pollInterval). */
  setPollMs(ms: number): void {
    this._pollMs = Math.max(250, ms);
    this._delay = this._pollMs;
    this._schedule();
  }

  get pollMs(): number {
    return this._pollMs;
  }

  /** Untick every run (after a comparison opened, say). */
  clearSelection(): void {
    this._selected.clear();
    this._changed.emit();
  }

  toggle(id: string): void {
    if (this._selected.has(id)) {
      this._selected.delete(id);
    } else {
      this._selected.add(id);
    }
    this._changed.emit();
  }

  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    this._loading = true;
    this._changed.emit();
    try {
      const page = await listRuns(this._settings, this._query);
      if (ticket !== this._ticket) {
        return; // a newer request superseded this one
      }
      this._page = page;
      this._error = null;
    } catch (reason) {
      if (ticket !== this._ticket) {
        return;
      }
      this._error =
        reason instanceof ApiError ? reason : new ApiError(0, String(reason));
    } finally {
      if (ticket === this._ticket) {
        this._loading = false;
        this._changed.emit();
        this._schedule();
      }
    }
  }

  get hasRunning(): boolean {
    return (this._page?.runs ?? []).some(run => run.status === 'RUNNING');
  }

  dispose(): void {
    this._disposed = true;
    document.removeEventListener('visibilitychange', this._onVisibility);
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (this._disposed || !(this.hasRunning || this._live)) {
      this._delay = this._pollMs;
      return;
    }
    this._delay = nextDelay(this._delay, document.hidden, this._pollMs);
    this._timer = setTimeout(() => void this.refresh(), this._delay);
  }

  /** Back from a hidden browser tab, a backed-off poll would wait up to a minute: refresh now. */
  private _onVisibility = (): void => {
    if (!document.hidden && this._live && !this._disposed) {
      this._delay = this._pollMs;
      void this.refresh();
    }
  };

  private _columns: string[] | null = null;
  private _columnsChosen = new Signal<this, string[]>(this);
  private _query: IRunsQuery = { filter: '', orderBy: '', limit: 50, offset: 0, experiment: '' };
  private _live = false;
  private _pollMs = POLL_MS;
  private _page: IRunsPage | null = null;
  private _error: ApiError | null = null;
  private _loading = false;
  private _selected = new Set<string>();
  private _ticket = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _delay = POLL_MS;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
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
