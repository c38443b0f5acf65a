/** Typed calls of the routes the main-area views need (the sidebar's calls stay in ../api). */
import { ServerConnection } from '@jupyterlab/services';

import { request } from '../api';
import {
  IDatasetVersionDetail,
  IDriftHistory,
  ILineage,
  IPipelineGraph,
  IPipelineJob,
  IVersionEvaluations
} from './types';

type Settings = ServerConnection.ISettings;

export function getLineage(settings: Settings, name: string, version: number): Promise<ILineage> {
  return request<ILineage>(settings, ['models', name, 'versions', String(version), 'lineage']);
}

export function getEvaluations(
  settings: Settings,
  name: string,
  version: number
): Promise<IVersionEvaluations> {
  return request<IVersionEvaluations>(settings, [
    'models',
    name,
    'versions',
    String(version),
    'evaluations'
  ]);
}

export function getAliasDrift(
  settings: Settings,
  name: string,
  alias: string
): Promise<IDriftHistory> {
  return request<IDriftHistory>(settings, ['models', name, 'aliases', alias, 'drift']);
}

export function getDatasetVersion(
  settings: Settings,
  name: string,
  version: number
): Promise<IDatasetVersionDetail> {
  return request<IDatasetVersionDetail>(settings, [
    'datasets',
    name,
    'versions',
    String(version)
  ]);
}

export function getPipelineGraph(settings: Settings, path: string): Promise<IPipelineGraph> {
  return request<IPipelineGraph>(settings, ['pipelines', 'graph'], { path });
}

export async function startPipelineRun(
  settings: Settings,
  path: string,
  force = false
): Promise<IPipelineJob> {
  const init: RequestInit = {
    method: 'POST',
    body: JSON.stringify({ path, force }),
    headers: { 'Content-Type': 'application/json' }
  };
  return (await request<{ job: IPipelineJob }>(settings, ['pipelines', 'runs'], {}, init)).job;
}

export async function getPipelineJob(settings: Settings, id: string): Promise<IPipelineJob> {
  return (await request<{ job: IPipelineJob }>(settings, ['pipelines', 'runs', id])).job;
}

export async function listPipelineJobs(
  settings: Settings
): Promise<{ pipelines: { path: string }[]; jobs: IPipelineJob[] }> {
  return request(settings, ['pipelines']);
}
