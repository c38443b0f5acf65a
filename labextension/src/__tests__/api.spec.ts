/**
 * api.ts against a fake server: URLs, query strings, the error shape, and the typed calls.
 */
import {
  ApiError,
  artifactUrl,
  getMetric,
  getRun,
  listExperiments,
  listRuns,
  request
} from '../api';
import { apiError, FakeServer, json, page, run, TOKEN } from './fakeServer';

const API = '/lab-base/jupyter-mlops/api';

describe('request', () => {
  it('sends a GET under <baseUrl>/jupyter-mlops/api/ with the token', async () => {
    const server = new FakeServer().answer(json({ ok: true }));
    const body = await request<{ ok: boolean }>(server.settings, ['runs']);
    expect(body).toEqual({ ok: true });
    expect(server.last).toEqual({
      method: 'GET',
      path: `${API}/runs`,
      query: {},
      authorization: `token ${TOKEN}`,
      body: null
    });
  });

  it('percent-encodes every path segment', async () => {
    const server = new FakeServer().answer(json({}));
    await request(server.settings, ['runs', 'a/b c?#', 'metrics', 'val%acc']);
    expect(server.last.path).toBe(`${API}/runs/a%2Fb%20c%3F%23/metrics/val%25acc`);
  });

  it('drops undefined and empty query values but keeps zero', async () => {
    const server = new FakeServer().answer(json({}));
    await request(server.settings, ['runs'], {
      filter: '',
      order_by: undefined,
      limit: 10,
      offset: 0,
      q: 'a b&c'
    });
    expect(server.last.query).toEqual({ limit: '10', offset: '0', q: 'a b&c' });
  });

  it('sends the method and body given in init', async () => {
    const server = new FakeServer().answer(json({ move: { alias: 'prod' } }));
    const body = JSON.stringify({ version: 3, reason: 'better recall' });
    await request(server.settings, ['models', 'churn model', 'aliases', 'prod'], {}, {
      method: 'POST',
      body
    });
    expect(server.last.method).toBe('POST');
    expect(server.last.path).toBe(`${API}/models/churn%20model/aliases/prod`);
    expect(server.last.body).toBe(body);
  });

  it('returns null for an empty body', async () => {
    const server = new FakeServer().answer(new Response('', { status: 200 }));
    expect(await request(server.settings, ['runs'])).toBeNull();
  });

  it("throws ApiError with the server's message and status", async () => {
    const server = new FakeServer().answer(
      apiError(400, 'InvalidFilter', "unknown column 'foo' in filter; use metrics.foo")
    );
    const error = await request(server.settings, ['runs'], { filter: 'foo > 1' }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe("unknown column 'foo' in filter; use metrics.foo");
    expect((error as ApiError).isMissingExtension).toBe(false);
  });

  it('reports a missing extension for a 404 without a JSON body', async () => {
    const server = new FakeServer().answer(
      new Response('<html><title>404: Not Found</title></html>', {
        status: 404,
        statusText: 'Not Found',
        headers: { 'Content-Type': 'text/html' }
      })
    );
    const error = (await request(server.settings, ['runs']).catch(e => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    expect(error.isMissingExtension).toBe(true);
  });

  it('does not report a missing extension for a 404 of the API itself', async () => {
    const server = new FakeServer().answer(apiError(404, 'NotFound', "run 'abc' does not exist"));
    const error = (await getRun(server.settings, 'abc').catch(e => e)) as ApiError;
    expect(error.status).toBe(404);
    expect(error.message).toBe("run 'abc' does not exist");
    expect(error.isMissingExtension).toBe(false);
  });

  it('does not report a missing extension for other errors without a JSON body', async () => {
    const server = new FakeServer().answer(
      new Response('Bad Gateway', { status: 502, statusText: 'Bad Gateway' })
    );
    const error = (await request(server.settings, ['runs']).catch(e => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.message).toBe('Server error: 502 Bad Gateway');
    expect(error.isMissingExtension).toBe(false);
  });
});

describe('listRuns', () => {
  it('trims the filter and sends the order, limit and offset', async () => {
    const expected = page([run('r1')], 20, 10);
    const server = new FakeServer().answer(json(expected));
    const result = await listRuns(server.settings, {
      filter: '  metrics.loss < 0.5 ',
      orderBy: ' metrics.loss ASC ',
      limit: 10,
      offset: 20
    });
    expect(result).toEqual(expected);
    expect(server.last.path).toBe(`${API}/runs`);
    expect(server.last.query).toEqual({
      filter: 'metrics.loss < 0.5',
      order_by: 'metrics.loss ASC',
      limit: '10',
      offset: '20'
    });
  });

  it('leaves out a blank filter and order', async () => {
    const server = new FakeServer().answer(json(page([])));
    await listRuns(server.settings, { filter: '   ', orderBy: ' ', limit: 50, offset: 0 });
    expect(server.last.query).toEqual({ limit: '50', offset: '0' });
  });
});

describe('getRun', () => {
  it('unwraps the run', async () => {
    const detail = {
      ...run('r/1'),
      artifacts: [],
      source: null,
      error: null,
      git: null,
      lineage: []
    };
    const server = new FakeServer().answer(json({ run: detail }));
    expect(await getRun(server.settings, 'r/1')).toEqual(detail);
    expect(server.last.path).toBe(`${API}/runs/r%2F1`);
  });
});

describe('getMetric', () => {
  const history = {
    key: 'val loss',
    total: 2,
    downsampled: false,
    steps: [0, 1],
    values: [1.5, null],
    timestamps: [1, 2]
  };

  it('asks for at most 1000 points by default', async () => {
    const server = new FakeServer().answer(json(history));
    expect(await getMetric(server.settings, 'r1', 'val loss')).toEqual(history);
    expect(server.last.path).toBe(`${API}/runs/r1/metrics/val%20loss`);
    expect(server.last.query).toEqual({ max_points: '1000' });
  });

  it('passes the requested number of points', async () => {
    const server = new FakeServer().answer(json(history));
    await getMetric(server.settings, 'r1', 'loss', 200);
    expect(server.last.query).toEqual({ max_points: '200' });
  });
});

describe('listExperiments', () => {
  it('unwraps the experiments', async () => {
    const experiments = [{ id: 1, name: 'default', created_at: 1700000000, run_count: 3 }];
    const server = new FakeServer().answer(json({ experiments }));
    expect(await listExperiments(server.settings)).toEqual(experiments);
    expect(server.last.path).toBe(`${API}/experiments`);
  });
});

describe('artifactUrl', () => {
  it('keeps the folders of the artifact path and encodes each part', () => {
    const server = new FakeServer();
    expect(artifactUrl(server.settings, 'r1', 'plots/loss curve#1.png')).toBe(
      `http://localhost:8888${API}/runs/r1/artifacts/plots/loss%20curve%231.png`
    );
  });

  it('encodes the run id too', () => {
    const server = new FakeServer();
    expect(artifactUrl(server.settings, 'r/1', 'a.txt')).toBe(
      `http://localhost:8888${API}/runs/r%2F1/artifacts/a.txt`
    );
  });
});
