/**
 * The only place that talks to the server: typed calls of the jupyter-mlops REST API.
 * ServerConnection.makeRequest adds the token and XSRF headers Jupyter requires.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IExperiment,
  IMetricHistory,
  IRun,
  IRunsPage,
  IRunsQuery
} from './tokens';

/** An error of the API, carrying its status and the server's one-line message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }

  /** True when the server extension is not installed or not enabled. */
  get isMissingExtension(): boolean {
    return this.status === 404 && this.message.startsWith('Not Found');
  }
}

export function apiUrl(settings: ServerConnection.ISettings, ...parts: string[]): string {
  return URLExt.join(settings.baseUrl, 'jupyter-mlops', 'api', ...parts);
}

export async function request<T>(
  settings: ServerConnection.ISettings,
  path: string[],
  query: Record<string, string | number | undefined> = {}
): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.append(key, String(value));
    }
  }
  const search = params.toString();
  const url = apiUrl(settings, ...path.map(encodeURIComponent)) + (search ? `?${search}` : '');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message =
      (body as { error?: { message?: string } } | null)?.error?.message ??
      `Not Found: ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}

export function listRuns(
  settings: ServerConnection.ISettings,
  query: IRunsQuery
): Promise<IRunsPage> {
  const order = query.orderBy.trim();
  return request<IRunsPage>(settings, ['runs'], {
    filter: query.filter.trim(),
    order_by: order || undefined,
    limit: query.limit,
    offset: query.offset
  });
}

export async function getRun(settings: ServerConnection.ISettings, id: string): Promise<IRun> {
  return (await request<{ run: IRun }>(settings, ['runs', id])).run;
}

export function getMetric(
  settings: ServerConnection.ISettings,
  id: string,
  key: string,
  maxPoints = 1000
): Promise<IMetricHistory> {
  return request<IMetricHistory>(settings, ['runs', id, 'metrics', key], {
    max_points: maxPoints
  });
}

export async function listExperiments(
  settings: ServerConnection.ISettings
): Promise<IExperiment[]> {
  return (await request<{ experiments: IExperiment[] }>(settings, ['experiments'])).experiments;
}

export function artifactUrl(
  settings: ServerConnection.ISettings,
  id: string,
  path: string
): string {
  return apiUrl(settings, 'runs', id, 'artifacts', ...path.split('/').map(encodeURIComponent));
}
