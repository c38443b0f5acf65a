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
export function nextDelay(current: number, hidden: boolean): number {
  return hidden ? Math.min(current * 2, MAX_POLL_MS) : POLL_MS;
}

export class RunsModel {
  constructor(private readonly _settings: ServerConnection.ISettings) {}

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
    const resets = change.filter !== undefined || change.orderBy !== undefined;
    this._query = { ...this._query, ...change, ...(resets ? { offset: 0 } : {}) };
    return this.refresh();
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
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (this._disposed || !this.hasRunning) {
      this._delay = POLL_MS;
      return;
    }
    this._delay = nextDelay(this._delay, document.hidden);
    this._timer = setTimeout(() => void this.refresh(), this._delay);
  }

  private _query: IRunsQuery = { filter: '', orderBy: '', limit: 50, offset: 0 };
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
