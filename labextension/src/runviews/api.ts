/** Typed calls of the Run and Compare views' routes. */
import { ServerConnection } from '@jupyterlab/services';

import { apiUrl, request } from '../api';
import { Histories, ICompare, IPreview, IRunView } from './types';

type Settings = ServerConnection.ISettings;

export function getRunView(settings: Settings, id: string): Promise<IRunView> {
  return request<IRunView>(settings, ['runs', id, 'view']);
}

/** A GET whose query repeats names (`id`, `key`), which request()'s flat query cannot say. */
async function getRepeated<T>(settings: Settings, path: string[], query: [string, string][]): Promise<T> {
  const search = new URLSearchParams(query).toString();
  const response = await ServerConnection.makeRequest(`${apiUrl(settings, ...path)}?${search}`, {}, settings);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body?.error?.message ?? `Server error: ${response.status}`);
  }
  return body as T;
}

/** The histories of `keys` (all of them when none is named), each downsampled on the server. */
export async function getHistories(
  settings: Settings,
  id: string,
  keys: string[] = [],
  maxPoints = 400
): Promise<Histories> {
  const query: [string, string][] = [...keys.map(k => ['key', k] as [string, string]), ['max_points', String(maxPoints)]];
  return (await getRepeated<{ histories: Histories }>(settings, ['runs', id, 'histories'], query)).histories;
}

/**
 * The compared runs, each run's stepped metrics and the histories of `keys`; with no keys, no
 * histories at all (the charts ask for their own metric when they scroll into view).
 */
export function getCompare(settings: Settings, ids: string[], keys: string[] = []): Promise<ICompare> {
  const query: [string, string][] = ids.map(id => ['id', id] as [string, string]);
  if (keys.length) {
    query.push(...keys.map(k => ['key', k] as [string, string]));
  } else {
    query.push(['histories', 'false']);
  }
  query.push(['max_points', '400']);
  return getRepeated<ICompare>(settings, ['compare'], query);
}

export function getPreview(settings: Settings, id: string, path: string): Promise<IPreview> {
  return request<IPreview>(settings, ['runs', id, 'preview', ...path.split('/')]);
}
