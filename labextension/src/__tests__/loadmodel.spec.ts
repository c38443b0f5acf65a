/**
 * loadmodel.ts: the one state primitive of the sidebar's tabs (tickets, errors, polling,
 * dispose), with reads the test resolves in the order it chooses.
 */
import { LoadModel, MAX_POLL_MS, POLL_MS, errorMessage } from '../loadmodel';

/** A read held back until the test settles it. */
class Pending<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (reason: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** A fetch that answers from a queue (a value, an Error to throw, or a pending read). */
function queued<T>(...answers: (T | Error | Pending<T>)[]): { fetch: () => Promise<T>; calls: number } {
  const state = {
    calls: 0,
    fetch: (): Promise<T> => {
      state.calls += 1;
      const next = answers.shift();
      if (next === undefined) {
        return Promise.reject(new Error('no answer queued'));
      }
      if (next instanceof Pending) {
        return next.promise;
      }
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    }
  };
  return state;
}

describe('errorMessage', () => {
  it("reads an Error's message, or the thrown value", () => {
    expect(errorMessage(new Error('offline'))).toBe('offline');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(null)).toBe('null');
  });
});

describe('LoadModel', () => {
  const models: LoadModel<unknown, unknown>[] = [];
  function make<T, E = string>(...args: ConstructorParameters<typeof LoadModel<T, E>>): LoadModel<T, E> {
    const model = new LoadModel<T, E>(...args);
    models.push(model as LoadModel<unknown, unknown>);
    return model;
  }

  afterEach(() => {
    models.splice(0).forEach(model => model.dispose());
    jest.useRealTimers();
    delete (document as { hidden?: boolean }).hidden;
  });

  describe('refresh', () => {
    it('signals loading, then the value', async () => {
      const reads = queued(['a']);
      const model = make({ fetch: reads.fetch });
      const seen: [boolean, unknown][] = [];
      model.changed.connect(() => seen.push([model.loading, model.value]));
      expect(model.generation).toBe(0);

      await model.refresh();

      expect(seen).toEqual([
        [true, null],
        [false, ['a']]
      ]);
      expect(model.generation).toBe(2);
      expect(model.error).toBeNull();
    });

    it('drops a slow older answer that arrives after a newer one', async () => {
      const older = new Pending<string>();
      const newer = new Pending<string>();
      const model = make({ fetch: queued(older, newer).fetch });
      const first = model.refresh();
      const second = model.refresh();

      newer.resolve('new');
      await second;
      expect(model.value).toBe('new');
      expect(model.loading).toBe(false);
      const generation = model.generation;

      older.resolve('old');
      await first;
      expect(model.value).toBe('new');
      expect(model.generation).toBe(generation); // the dropped answer did not even signal
    });

    it('stays loading until the newest read answers', async () => {
      const older = new Pending<string>();
      const newer = new Pending<string>();
      const model = make({ fetch: queued(older, newer).fetch });
      const first = model.refresh();
      const second = model.refresh();

      older.resolve('old');
      await first;
      expect(model.loading).toBe(true);
      expect(model.value).toBeNull();

      newer.resolve('new');
      await second;
      expect(model.loading).toBe(false);
      expect(model.value).toBe('new');
    });

    it('drops the error of a superseded read', async () => {
      const older = new Pending<string>();
      const model = make({ fetch: queued(older, 'new').fetch });
      const first = model.refresh();
      await model.refresh();
      older.reject(new Error('stale failure'));
      await first;
      expect(model.error).toBeNull();
      expect(model.value).toBe('new');
    });

    it('keeps the previous value on a failed reload, and clears the error on success', async () => {
      const model = make({ fetch: queued('A', new Error('offline'), 'B').fetch });
      await model.refresh();
      await model.refresh();
      expect(model.value).toBe('A');
      expect(model.error).toBe('offline');
      expect(model.loading).toBe(false);

      await model.refresh();
      expect(model.value).toBe('B');
      expect(model.error).toBeNull();
    });

    it('keeps errors as toError makes them', async () => {
      const model = make<string, { why: string }>({
        fetch: queued<string>(new Error('boom')).fetch,
        toError: reason => ({ why: `wrapped ${errorMessage(reason)}` })
      });
      await model.refresh();
      expect(model.error).toEqual({ why: 'wrapped boom' });
    });

    it('lets a subclass read from its own state', async () => {
      class Counter extends LoadModel<number> {
        step = 1;
        protected load(): Promise<number> {
          return Promise.resolve((this.value ?? 0) + this.step);
        }
      }
      const model = new Counter();
      models.push(model as LoadModel<unknown, unknown>);
      await model.refresh();
      model.step = 10;
      await model.refresh();
      expect(model.value).toBe(11);
    });
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    it('schedules nothing while not live', async () => {
      const reads = queued('a', 'b');
      const model = make({ fetch: reads.fetch });
      await model.refresh();
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(reads.calls).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('reads at once on going live, then every pollMs, and stops when no longer live', async () => {
      const reads = queued('a', 'b', 'c', 'd');
      const model = make({ fetch: reads.fetch, pollMs: 1000 });
      model.setLive(true);
      await jest.advanceTimersByTimeAsync(0);
      expect(reads.calls).toBe(1);
      expect(model.value).toBe('a');

      await jest.advanceTimersByTimeAsync(999);
      expect(reads.calls).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads.calls).toBe(2);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads.calls).toBe(3);

      model.setLive(false);
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(reads.calls).toBe(3);
      expect(model.value).toBe('c');
    });

    it('polls while pollWhile holds for the value, live or not', async () => {
      const reads = queued('running', 'running', 'done');
      const model = make({ fetch: reads.fetch, pollWhile: value => value === 'running' });
      await model.refresh();
      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(reads.calls).toBe(2);
      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(reads.calls).toBe(3);
      expect(model.value).toBe('done');
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(reads.calls).toBe(3);
    });

    it('backs off while the browser tab is hidden, and reads at once when it is back', async () => {
      Object.defineProperty(document, 'hidden', { configurable: true, value: true });
      const reads = queued('a', 'b', 'c', 'd');
      const model = make({ fetch: reads.fetch });
      model.setLive(true);
      await jest.advanceTimersByTimeAsync(0);
      expect(reads.calls).toBe(1);
      await jest.advanceTimersByTimeAsync(2 * POLL_MS);
      expect(reads.calls).toBe(2);
      await jest.advanceTimersByTimeAsync(4 * POLL_MS - 1);
      expect(reads.calls).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads.calls).toBe(3);

      Object.defineProperty(document, 'hidden', { configurable: true, value: false });
      document.dispatchEvent(new Event('visibilitychange'));
      await jest.advanceTimersByTimeAsync(0);
      expect(reads.calls).toBe(4);
    });

    it('applies a new poll interval to the pending poll', async () => {
      const reads = queued('a', 'b');
      const model = make({ fetch: reads.fetch, pollMs: 10000 });
      model.setLive(true);
      await jest.advanceTimersByTimeAsync(0);
      model.setPollMs(500);
      expect(model.pollMs).toBe(500);
      await jest.advanceTimersByTimeAsync(500);
      expect(reads.calls).toBe(2);
    });
  });

  describe('dispose', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    it('stops the polling timer and the visibility listener', async () => {
      const reads = queued('a', 'b', 'c');
      const model = make({ fetch: reads.fetch });
      model.setLive(true);
      await jest.advanceTimersByTimeAsync(0);
      expect(jest.getTimerCount()).toBe(1);

      model.dispose();
      expect(model.isDisposed).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
      document.dispatchEvent(new Event('visibilitychange'));
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(reads.calls).toBe(1);
    });

    it('drops the answer in flight, reads no more, and disconnects its listeners', async () => {
      const pending = new Pending<string>();
      const reads = queued(pending, 'later');
      const model = make({ fetch: reads.fetch });
      model.setLive(true);
      const seen: boolean[] = [];
      model.changed.connect(() => seen.push(model.loading));

      model.dispose();
      pending.resolve('late');
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      await model.refresh();

      expect(model.value).toBeNull();
      expect(reads.calls).toBe(1);
      expect(seen).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
