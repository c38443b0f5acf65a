/**
 * A fake Jupyter server for the tests: `ServerConnection` settings whose fetch records every
 * request and answers from a queue, so that our real api.ts and model.ts run unchanged.
 */
import { ServerConnection } from '@jupyterlab/services';

import { IRunSummary, IRunsPage, RunStatus } from '../tokens';

export const BASE_URL = 'http://localhost:8888/lab-base/';
export const TOKEN = 'secret-token';

/** A request as the server would see it, without the cache-buster JupyterLab appends. */
export interface ISeenRequest {
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  /** The body sent, as text; null for a request without one. */
  body: string | null;
}

/** What the fake fetch answers next: a response, a network failure, or a pending promise. */
export type Answer = Response | Error | Promise<Response>;

/** A JSON response the way the jupyter-mlops handlers write one. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

/** The error shape of the jupyter-mlops REST API. */
export function apiError(status: number, type: string, message: string): Response {
  return json({ error: { type, message, status } }, status);
}

/** A response held back until the test resolves it: to order concurrent requests. */
export class Deferred {
  readonly promise: Promise<Response>;
  resolve!: (response: Response) => void;

  constructor() {
    this.promise = new Promise<Response>(resolve => {
      this.resolve = resolve;
    });
  }
}

export class FakeServer {
  readonly requests: ISeenRequest[] = [];
  readonly settings: ServerConnection.ISettings;

  constructor() {
    this.settings = ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      token: TOKEN,
      fetch: (input: RequestInfo | URL) => this._fetch(input),
      Request,
      Headers
    });
  }

  /** Queue the answers of the next requests, in order. */
  answer(...answers: Answer[]): this {
    this._answers.push(...answers);
    return this;
  }

  /** The last request seen; fails the test when there was none. */
  get last(): ISeenRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) {
      throw new Error('no request was sent');
    }
    return last;
  }

  private async _fetch(input: RequestInfo | URL): Promise<Response> {
    const request = input as Request;
    const url = new URL(request.url);
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      // JupyterLab appends `?<milliseconds>` to defeat caches.
      if (!/^\d+$/.test(key) || value !== '') {
        query[key] = value;
      }
    });
    this.requests.push({
      method: request.method,
      path: url.pathname,
      query,
      authorization: request.headers.get('Authorization'),
      body: request.body === null ? null : await request.text()
    });
    const next = this._answers.shift();
    if (next === undefined) {
      throw new Error(`unexpected request ${request.method} ${url.pathname}`);
    }
    if (next instanceof Error) {
      throw next;
    }
    return next;
  }

  private _answers: Answer[] = [];
}

/** A run summary as GET /runs lists it. */
export function run(id: string, status: RunStatus = 'FINISHED'): IRunSummary {
  return {
    id,
    experiment: 'default',
    name: `name-${id}`,
    status,
    start_time: 1700000000,
    end_time: status === 'RUNNING' ? null : 1700000060,
    parent_id: null,
    params: { lr: '0.1' },
    metrics: { loss: 0.25 },
    tags: {}
  };
}

export function page(runs: IRunSummary[], offset = 0, limit = 50): IRunsPage {
  return { runs, total: runs.length, offset, limit };
}
