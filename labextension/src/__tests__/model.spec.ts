/**
 * model.ts: the pure helpers, and RunsModel against a fake server (paging, superseded
 * requests, polling while runs are RUNNING).
 */
import { ApiError } from '../api';
import {
  formatMetric,
  MAX_POLL_MS,
  nextDelay,
  POLL_MS,
  RunsModel,
  shortId
} from '../model';
import { apiError, Deferred, FakeServer, json, page, run } from './fakeServer';

describe('nextDelay', () => {
  it('polls at the base rate while the page is visible', () => {
    expect(nextDelay(POLL_MS, false)).toBe(POLL_MS);
    expect(nextDelay(16000, false)).toBe(POLL_MS);
  });

  it('doubles while the page is hidden, up to the cap', () => {
    expect(nextDelay(POLL_MS, true)).toBe(2 * POLL_MS);
    expect(nextDelay(4000, true)).toBe(8000);
    expect(nextDelay(MAX_POLL_MS / 2 + 1, true)).toBe(MAX_POLL_MS);
    expect(nextDelay(MAX_POLL_MS, true)).toBe(MAX_POLL_MS);
  });
});

describe('formatMetric', () => {
  it.each([
    [undefined, ''],
    ['NaN', 'NaN'],
    ['-Infinity', '-Infinity'],
    [0, '0'],
    [0.5, '0.5'],
    [0.123456, '0.1235'],
    [-3, '-3'],
    [9999.5, '9999.5'],
    [12345.678, '1.235e+4'],
    [-20000, '-2.000e+4'],
    [0.001, '0.001'],
    [0.0001234, '1.234e-4']
  ])('formats %p as %p', (value, expected) => {
    expect(formatMetric(value)).toBe(expected);
  });
});

describe('shortId', () => {
  it('keeps the last eight characters', () => {
    expect(shortId('20240101-120000-3f9a2b7c')).toBe('3f9a2b7c');
  });

  it('keeps a short id whole', () => {
    expect(shortId('abc')).toBe('abc');
  });
});

describe('RunsModel', () => {
  let server: FakeServer;
  let model: RunsModel;

  beforeEach(() => {
    server = new FakeServer();
    model = new RunsModel(server.settings);
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  describe('setQuery', () => {
    it('goes back to the first page on a new filter', async () => {
      server.answer(json(page([run('a')], 50)), json(page([run('b')])));
      await model.setQuery({ offset: 50 });
      expect(model.query.offset).toBe(50);
      expect(server.last.query.offset).toBe('50');

      await model.setQuery({ filter: 'metrics.loss < 1' });
      expect(model.query).toEqual({
        filter: 'metrics.loss < 1',
        experiment: '',
        orderBy: '',
        limit: 50,
        offset: 0
      });
      expect(server.last.query).toEqual({
        filter: 'metrics.loss < 1',
        limit: '50',
        offset: '0'
      });
    });

    it('goes back to the first page on a new sort order', async () => {
      server.answer(json(page([], 100)), json(page([])));
      await model.setQuery({ offset: 100 });
      await model.setQuery({ orderBy: 'start_time DESC' });
      expect(model.query.offset).toBe(0);
      expect(server.last.query.order_by).toBe('start_time DESC');
    });

    it('keeps the filter and sort when paging', async () => {
      server.answer(json(page([])), json(page([], 50)));
      await model.setQuery({ filter: 'params.lr = "0.1"', orderBy: 'metrics.loss' });
      await model.setQuery({ offset: 50 });
      expect(model.query).toEqual({
        filter: 'params.lr = "0.1"',
        experiment: '',
        orderBy: 'metrics.loss',
        limit: 50,
        offset: 50
      });
      expect(server.last.query).toEqual({
        filter: 'params.lr = "0.1"',
        order_by: 'metrics.loss',
        limit: '50',
        offset: '50'
      });
    });
  });

  describe('refresh', () => {
    it('stores the page and signals loading, then done', async () => {
      const listed = page([run('a'), run('b')]);
      server.answer(json(listed));
      const loading: boolean[] = [];
      model.changed.connect(() => loading.push(model.loading));

      await model.refresh();

      expect(model.page).toEqual(listed);
      expect(model.error).toBeNull();
      expect(model.loading).toBe(false);
      expect(loading).toEqual([true, false]);
    });

    it("stores the server's error and keeps the last page", async () => {
      const listed = page([run('a')]);
      server.answer(json(listed), apiError(400, 'InvalidFilter', 'bad filter: use metrics.<key>'));
      await model.refresh();
      await model.setQuery({ filter: 'nonsense' });

      expect(model.error).toBeInstanceOf(ApiError);
      expect(model.error?.status).toBe(400);
      expect(model.error?.message).toBe('bad filter: use metrics.<key>');
      expect(model.page).toEqual(listed);
      expect(model.loading).toBe(false);
    });

    it('turns a network failure into an ApiError with status 0', async () => {
      server.answer(new TypeError('Failed to fetch'));
      await model.refresh();
      expect(model.error).toBeInstanceOf(ApiError);
      expect(model.error?.status).toBe(0);
      expect(model.error?.message).toContain('Failed to fetch');
    });

    it('clears the error once a request succeeds', async () => {
      server.answer(apiError(500, 'Internal', 'boom'), json(page([])));
      await model.refresh();
      expect(model.error).not.toBeNull();
      await model.refresh();
      expect(model.error).toBeNull();
    });

    it('ignores the answer of a superseded request', async () => {
      const first = new Deferred();
      const second = new Deferred();
      server.answer(first.promise, second.promise);
      const older = model.setQuery({ filter: 'old' });
      const newer = model.setQuery({ filter: 'new' });

      second.resolve(json(page([run('new')])));
      await newer;
      first.resolve(json(page([run('old')])));
      await older;

      expect(server.requests.map(r => r.query.filter)).toEqual(['old', 'new']);
      expect(model.page?.runs.map(r => r.id)).toEqual(['new']);
      expect(model.loading).toBe(false);
    });

    it('stays loading until the newest request answers', async () => {
      const first = new Deferred();
      const second = new Deferred();
      server.answer(first.promise, second.promise);
      const older = model.refresh();
      const newer = model.refresh();

      first.resolve(json(page([run('old')])));
      await older;
      expect(model.loading).toBe(true);
      expect(model.page).toBeNull();

      second.resolve(json(page([run('new')])));
      await newer;
      expect(model.loading).toBe(false);
      expect(model.page?.runs.map(r => r.id)).toEqual(['new']);
    });

    it('ignores the error of a superseded request', async () => {
      const first = new Deferred();
      server.answer(first.promise, json(page([run('new')])));
      const older = model.refresh();
      await model.refresh();
      first.resolve(apiError(500, 'Internal', 'stale failure'));
      await older;

      expect(model.error).toBeNull();
      expect(model.page?.runs.map(r => r.id)).toEqual(['new']);
    });
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      // jsdom's document.hidden is an accessor on Document.prototype: drop the override.
      delete (document as { hidden?: boolean }).hidden;
    });

    it('does not poll when no run is RUNNING', async () => {
      server.answer(json(page([run('a', 'FINISHED'), run('b', 'FAILED')])));
      await model.refresh();
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(server.requests).toHaveLength(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('polls every POLL_MS while a run is RUNNING, and stops when none is', async () => {
      server.answer(
        json(page([run('a', 'RUNNING')])),
        json(page([run('a', 'RUNNING')])),
        json(page([run('a', 'FINISHED')]))
      );
      await model.refresh();
      expect(model.hasRunning).toBe(true);

      await jest.advanceTimersByTimeAsync(POLL_MS - 1);
      expect(server.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(server.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(server.requests).toHaveLength(3);
      expect(model.hasRunning).toBe(false);

      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(server.requests).toHaveLength(3);
    });

    it('polls with the current query', async () => {
      server.answer(json(page([])), json(page([run('a', 'RUNNING')], 50)), json(page([], 50)));
      await model.setQuery({ filter: 'status = "RUNNING"' });
      await model.setQuery({ offset: 50 });
      await jest.advanceTimersByTimeAsync(POLL_MS);
      expect(server.requests).toHaveLength(3);
      expect(server.last.query).toEqual({
        filter: 'status = "RUNNING"',
        limit: '50',
        offset: '50'
      });
    });

    it('backs off while the browser tab is hidden', async () => {
      Object.defineProperty(document, 'hidden', { configurable: true, value: true });
      const running = (): Response => json(page([run('a', 'RUNNING')]));
      server.answer(running(), running(), running());
      await model.refresh();

      await jest.advanceTimersByTimeAsync(2 * POLL_MS - 1);
      expect(server.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(server.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(4 * POLL_MS - 1);
      expect(server.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(server.requests).toHaveLength(3);
    });

    it('keeps a single timer when refreshed by hand while polling', async () => {
      const running = (): Response => json(page([run('a', 'RUNNING')]));
      server.answer(running(), running());
      await model.refresh();
      await jest.advanceTimersByTimeAsync(POLL_MS / 2);
      await model.refresh();
      expect(jest.getTimerCount()).toBe(1);

      // The timer restarted at the manual refresh: nothing at the first one's due time.
      server.answer(running());
      await jest.advanceTimersByTimeAsync(POLL_MS / 2);
      expect(server.requests).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(POLL_MS / 2);
      expect(server.requests).toHaveLength(3);
    });

    it('stops polling once disposed', async () => {
      server.answer(json(page([run('a', 'RUNNING')])));
      await model.refresh();
      expect(jest.getTimerCount()).toBe(1);

      model.dispose();
      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(server.requests).toHaveLength(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('does not start polling when disposed while a request is in flight', async () => {
      const pending = new Deferred();
      server.answer(pending.promise);
      const refreshed = model.refresh();
      model.dispose();
      pending.resolve(json(page([run('a', 'RUNNING')])));
      await refreshed;

      await jest.advanceTimersByTimeAsync(10 * MAX_POLL_MS);
      expect(server.requests).toHaveLength(1);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
