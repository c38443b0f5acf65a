/**
 * Types mirroring the JSON of the jupyter-mlops REST API (jupyter_mlops/server/openapi.yaml).
 * Non-finite metric values arrive as the strings "NaN", "Infinity" and "-Infinity".
 */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface IRunSummary {
  id: string;
  experiment: string;
  name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  parent_id: string | null;
  params: Record<string, string>;
  metrics: Record<string, MetricValue>;
  tags: Record<string, string>;
}

export interface IRunsPage {
  runs: IRunSummary[];
  total: number;
  offset: number;
  limit: number;
}

export interface IArtifact {
  path: string;
  digest: string;
  size: number;
  created_at: number;
}

export interface ISource {
  type: string;
  path: string | null;
  cell: string | null;
  execution_count: number | null;
}

export interface IRun extends IRunSummary {
  artifacts: IArtifact[];
  source: ISource | null;
  error: string | null;
  git: { commit: string; branch: string | null; dirty: boolean } | null;
  lineage: { direction: string; kind: string; ref: string }[];
}

export interface IMetricHistory {
  key: string;
  total: number;
  downsampled: boolean;
  steps: number[];
  values: (number | null)[];
  timestamps: number[];
}

export interface IExperiment {
  id: number;
  name: string;
  created_at: number;
  run_count: number;
}

export interface IApiError {
  error: { type: string; message: string; status: number };
}

export interface IRunsQuery {
  filter: string;
  orderBy: string;
  limit: number;
  offset: number;
}
