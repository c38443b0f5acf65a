/**
 * The only place that talks to the server: typed calls of the jupyter-mlops REST API.
 * ServerConnection.makeRequest adds the token and XSRF headers Jupyter requires.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IAliasMove,
  IAuditEntry,
  IDataset,
  IDatasetDetail,
  IDatasetDiff,
  IDriftDetail,
  IDriftReport,
  IExperiment,
  IMetricHistory,
  IModelCard,
  IModelDetail,
  IRegisteredModel,
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
  query: Record<string, string | number | undefined> = {},
  init: RequestInit = {}
): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.append(key, String(value));
    }
  }
  const search = params.toString();
  const url = apiUrl(settings, ...path.map(encodeURIComponent)) + (search ? `?${search}` : '');
  const response = await ServerConnection.makeRequest(url, init, settings);
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
      // No JSON error: not our handler. A 404 then means the extension is not there.
      `${response.status === 404 ? 'Not Found' : 'Server error'}: ${response.status} ${response.statusText}`;
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
    experiment: query.experiment || undefined,
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
  return apiUrl(
    settings,
    'runs',
    encodeURIComponent(id),
    'artifacts',
    ...path.split('/').map(encodeURIComponent)
  );
}

// -- the model registry -----------------------------------------------------------------------

export async function listModels(
  settings: ServerConnection.ISettings
): Promise<IRegisteredModel[]> {
  return (await request<{ models: IRegisteredModel[] }>(settings, ['models'])).models;
}

export function getModel(settings: ServerConnection.ISettings, name: string): Promise<IModelDetail> {
  return request<IModelDetail>(settings, ['models', name]);
}

export async function getAudit(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IAuditEntry[]> {
  return (await request<{ entries: IAuditEntry[] }>(settings, ['models', name, 'audit'])).entries;
}

export function getCard(
  settings: ServerConnection.ISettings,
  name: string,
  version?: number
): Promise<IModelCard> {
  return request<IModelCard>(settings, ['models', name, 'card'], { version });
}

/** Point `alias` at `version`; the server records the move and the reason in the audit log. */
export async function moveAlias(
  settings: ServerConnection.ISettings,
  name: string,
  alias: string,
  version: number,
  reason: string
): Promise<IAliasMove> {
  const init: RequestInit = {
    method: 'POST',
    body: JSON.stringify({ version, reason }),
    headers: { 'Content-Type': 'application/json' }
  };
  return (await request<{ move: IAliasMove }>(settings, ['models', name, 'aliases', alias], {}, init))
    .move;
}

// -- data versions ----------------------------------------------------------------------------

export async function listDatasets(settings: ServerConnection.ISettings): Promise<IDataset[]> {
  return (await request<{ datasets: IDataset[] }>(settings, ['datasets'])).datasets;
}

export function getDataset(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IDatasetDetail> {
  return request<IDatasetDetail>(settings, ['datasets', name]);
}

export function diffDataset(
  settings: ServerConnection.ISettings,
  name: string,
  a: number,
  b: number
): Promise<IDatasetDiff> {
  return request<IDatasetDiff>(settings, ['datasets', name, 'diff'], { a, b });
}

// -- drift reports ----------------------------------------------------------------------------

export async function listDriftReports(
  settings: ServerConnection.ISettings,
  name?: string
): Promise<IDriftReport[]> {
  return (await request<{ reports: IDriftReport[] }>(settings, ['drift'], { name })).reports;
}

/** A report with its score chart, or with one column's distributions overlaid. */
export function getDriftReport(
  settings: ServerConnection.ISettings,
  id: string,
  column?: string
): Promise<IDriftDetail> {
  return request<IDriftDetail>(settings, ['drift', id], { column });
}
