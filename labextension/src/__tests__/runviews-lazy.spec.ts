/**
 * runviews/logic.ts: how the Run and Compare views' charts fetch their histories lazily (the
 * keys seen in one turn batched into one request, asked once, retried after a failure) and how
 * the Compare view splits lines from bars without any history.
 */
import { compareSplit, historiesByKey, KeyBatcher, MAX_BATCH, splitMetrics } from '../runviews/logic';
import { IHistory } from '../runviews/types';

const history = (total: number): IHistory => ({ total, downsampled: false, steps: [0], values: [1] });

/** A batcher whose flushes run when the test says, recording each request's keys. */
function batcher(answer: (keys: string[]) => Promise<Record<string, number>>) {
  const requests: string[][] = [];
  const flushes: (() => void)[] = [];
  const b = new KeyBatcher<number>(
    keys => {
      requests.push(keys);
      return answer(keys);
    },
    flush => flushes.push(flush)
  );
  const flush = async () => {
    flushes.splice(0).forEach(f => f());
    await new Promise(r => setTimeout(r, 0));
  };
  return { b, requests, flush };
}

const echo = async (keys: string[]) => Object.fromEntries(keys.map((k, i) => [k, i]));

describe('KeyBatcher', () => {
  it('batches the keys asked for in one turn into one request', async () => {
    const { b, requests, flush } = batcher(echo);
    const a = b.load('a');
    const c = b.load('c');
    await flush();
    expect(requests).toEqual([['a', 'c']]);
    expect(await a).toBe(0);
    expect(await c).toBe(1);
  });

  it('asks a key once and a later key in a new request', async () => {
    const { b, requests, flush } = batcher(echo);
    const first = b.load('a');
    await flush();
    expect(b.load('a')).toBe(first);
    void b.load('b');
    await flush();
    expect(requests).toEqual([['a'], ['b']]);
  });

  it('answers undefined for a key the server does not hold', async () => {
    const { b, flush } = batcher(async () => ({}));
    const gone = b.load('gone');
    await flush();
    expect(await gone).toBeUndefined();
  });

  it('splits a long batch and retries the keys of a failed request', async () => {
    let fail = true;
    const { b, requests, flush } = batcher(async keys => {
      if (fail) {
        throw new Error('down');
      }
      return echo(keys);
    });
    const keys = Array.from({ length: MAX_BATCH + 3 }, (_, i) => `m${i}`);
    const loads = keys.map(k => b.load(k).catch((e: Error) => e.message));
    await flush();
    expect(requests.map(r => r.length)).toEqual([MAX_BATCH, 3]);
    expect(await loads[0]).toBe('down');
    fail = false;
    const again = b.load('m0');
    await flush();
    expect(await again).toBe(0);
  });
});

describe('lazy histories', () => {
  it('picks one metric out of the compare answer, by run', () => {
    const h = history(5);
    expect(historiesByKey({ r1: { loss: h, acc: h }, r2: { acc: h } }, ['loss'])).toEqual({
      loss: { r1: h }
    });
  });

  it('splits lines from bars by the stepped lists, with no history', () => {
    expect(compareSplit(['acc', 'auc', 'loss'], { r1: ['loss'], r2: ['acc', 'loss'] })).toEqual({
      stepped: ['acc', 'loss'],
      single: ['auc']
    });
  });

  it('splits the Run view by the payload counts', () => {
    const stats = { loss: { total: 10, min: 0, max: 1 }, auc: { total: 1, min: 1, max: 1 } };
    expect(splitMetrics({ loss: 0.1, auc: 0.9 }, stats)).toEqual({ stepped: ['loss'], single: ['auc'] });
  });
});
