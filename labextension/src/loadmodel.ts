/**
 * The sidebar's one state primitive: a value read from the server, the error of the last
 * read, and whether a read is under way; refreshed on demand or by polling, with a `changed`
 * signal that views (the `useModel` hook, the plugin's commands) follow.
 */
import { ISignal, Signal } from '@lumino/signaling';

export const POLL_MS = 2000;
export const MAX_POLL_MS = 60000;
/** A poll interval below this would hammer the server for no visible gain. */
export const MIN_POLL_MS = 250;

/** The next polling delay: fast while visible, doubling up to a cap while hidden. */
export function nextDelay(current: number, hidden: boolean, base: number = POLL_MS): number {
  return hidden ? Math.min(Math.max(current, base) * 2, MAX_POLL_MS) : base;
}

/** What a failed read says: an Error's message, or the thrown value itself. */
export function errorMessage(reason: unknown): string {
  return String((reason as { message?: unknown } | null | undefined)?.message ?? reason);
}

export interface ILoadModelOptions<T, E> {
  /** The read; a subclass may override `load()` instead (when it needs its own state). */
  fetch?: () => Promise<T>;
  /**
   * What a failure is kept as. Without it the error is `errorMessage(reason)`, a string,
   * so a model whose E is not string must pass one.
   */
  toError?: (reason: unknown) => E;
  /** The poll interval, in ms. */
  pollMs?: number;
  /** Poll even while not live, as long as this holds for the last value (runs RUNNING). */
  pollWhile?: (value: T) => boolean;
}

/**
 * One refreshable value. The rules every tab shares:
 * - tickets: each `refresh()` takes a ticket and only the newest one's answer (value or
 *   error) is kept, so a slow older answer never overwrites a newer one, and `loading`
 *   stays true until the newest answers;
 * - a failure keeps the previous value and sets `error`; a success clears the error;
 * - polling: while `live` (or `pollWhile` holds) a refresh is scheduled after each answer,
 *   every `pollMs` while the browser tab is visible, backing off (`nextDelay`) while hidden,
 *   and at once when the tab comes back;
 * - `dispose()` stops the timer and drops any answer still in flight.
 */
export class LoadModel<T, E = string> {
  constructor(options: ILoadModelOptions<T, E> = {}) {
    this._fetch = options.fetch ?? null;
    // The default is documented above: string errors unless told otherwise.
    this._toError = options.toError ?? (errorMessage as unknown as (reason: unknown) => E);
    // Bound to the value here, so that the class stays covariant in T (a LoadModel<T[]> is a
    // LoadModel<unknown>) for code that handles any list.
    const pollWhile = options.pollWhile;
    this._pollWhile = pollWhile ? () => this._value !== null && pollWhile(this._value) : null;
    this._pollMs = Math.max(MIN_POLL_MS, options.pollMs ?? POLL_MS);
    this._delay = this._pollMs;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** How many times `changed` was emitted: a cheap snapshot for React's external stores. */
  get generation(): number {
    return this._generation;
  }

  get value(): T | null {
    return this._value;
  }

  get error(): E | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Read again now; resolves once this read is done (or superseded, or disposed of). */
  async refresh(): Promise<void> {
    if (this._disposed) {
      return;
    }
    const ticket = ++this._ticket;
    this._loading = true;
    this.emitChanged();
    let value: T | undefined;
    let failure: { reason: unknown } | null = null;
    try {
      value = await this.load();
    } catch (reason) {
      failure = { reason };
    }
    if (ticket !== this._ticket) {
      return; // a newer request (or dispose) superseded this one
    }
    if (failure) {
      this._error = this._toError(failure.reason);
    } else {
      this._value = value as T;
      this._error = null;
    }
    this._loading = false;
    this.emitChanged();
    this._schedule();
  }

  /**
   * Live: the value is on screen, so it refreshes every poll interval; going live refreshes
   * at once. Not live, it polls only while `pollWhile` holds.
   */
  setLive(live: boolean): void {
    const was = this._live;
    this._live = live;
    if (live && !this._listening && !this._disposed) {
      document.addEventListener('visibilitychange', this._onVisibility);
      this._listening = true;
    }
    if (live && !was && !this._disposed) {
      void this.refresh();
    } else {
      this._schedule();
    }
  }

  get live(): boolean {
    return this._live;
  }

  /** Change the poll interval; a pending poll is rescheduled with it. */
  setPollMs(ms: number): void {
    this._pollMs = Math.max(MIN_POLL_MS, ms);
    this._delay = this._pollMs;
    this._schedule();
  }

  get pollMs(): number {
    return this._pollMs;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._ticket++; // an answer still in flight is dropped
    if (this._listening) {
      document.removeEventListener('visibilitychange', this._onVisibility);
      this._listening = false;
    }
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    Signal.clearData(this);
  }

  /** The read itself: the `fetch` option, unless a subclass reads from its own state. */
  protected load(): Promise<T> {
    return this._fetch ? this._fetch() : Promise.reject(new Error('LoadModel: nothing to load'));
  }

  /** Tell the views something changed (subclasses call it for their own state too). */
  protected emitChanged(): void {
    this._generation++;
    this._changed.emit();
  }

  /** Whether another read should follow this one by itself. */
  protected shouldPoll(): boolean {
    return this._live || (this._pollWhile?.() ?? false);
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (this._disposed || !this.shouldPoll()) {
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

  private readonly _fetch: (() => Promise<T>) | null;
  private readonly _toError: (reason: unknown) => E;
  private readonly _pollWhile: (() => boolean) | null;
  private _value: T | null = null;
  private _error: E | null = null;
  private _loading = false;
  private _live = false;
  private _listening = false;
  private _pollMs: number;
  private _delay: number;
  private _ticket = 0;
  private _generation = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
