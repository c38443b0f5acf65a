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
  /** A cached pipeline step's record: the run whose outputs it reused (runs listings only). */
  cached_from?: string | null;
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

/** The repository state a run started from (its diff digest and remote are not read). */
export interface IGitState {
  commit: string;
  branch: string | null;
  dirty: boolean;
}

/** A run's whole record; listings send IRunSummary (with cached_from) instead. */
export interface IRun extends Omit<IRunSummary, 'cached_from'> {
  artifacts: IArtifact[];
  source: ISource | null;
  environment_digest: string | null;
  error: string | null;
  git: IGitState | null;
  lineage: { direction: string; kind: string; ref: string; created_at: number }[];
  deleted: boolean;
  host: string | null;
  pid: number | null;
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
  /** Only this experiment's runs; empty for all. */
  experiment?: string;
  orderBy: string;
  limit: number;
  offset: number;
}

// -- the model registry -----------------------------------------------------------------------

export interface IRegisteredModel {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  created_at: number;
  updated_at: number;
  created_by: string;
  latest_version: number | null;
  version_count: number;
  aliases: Record<string, number>;
}

export interface IModelVersion {
  name: string;
  version: number;
  status: string;
  flavor: string;
  run_id: string | null;
  created_at: number;
  created_by: string;
  description: string | null;
  metrics: Record<string, MetricValue>;
  params: Record<string, string>;
  datasets: string[];
  aliases: string[];
}

export interface IModelDetail {
  name: string;
  versions: IModelVersion[];
  aliases: Record<string, number>;
}

export interface IAuditEntry {
  id: number;
  name: string;
  action: string;
  version: number | null;
  alias: string | null;
  from_value: string | null;
  to_value: string | null;
  user: string;
  timestamp: number;
  reason: string | null;
}

export interface IAliasMove {
  name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  user: string;
  timestamp: number;
  reason: string | null;
}

export interface IModelCard {
  uri: string;
  markdown: string;
  html: string;
}

// -- data versions ----------------------------------------------------------------------------

export interface IDataset {
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
  latest_version: number | null;
  version_count: number;
  schema: string | null;
}

/** One column's profile summary; a statistic that came out non-finite is null. */
export interface IColumnProfile {
  type: 'numeric' | 'categorical' | 'datetime' | 'other';
  dtype: string;
  count: number;
  nulls: number;
  /** null for unhashable values. */
  distinct: number | null;
  /** A number, or ISO text for a datetime column. */
  min?: number | string;
  max?: number | string;
  mean?: number | null;
  std?: number | null;
}

export interface IDatasetProfile {
  rows: number | null;
  columns: Record<string, IColumnProfile>;
}

export interface IDatasetVersion {
  name: string;
  version: number;
  ref: string;
  kind: string;
  digest: string;
  bytes: number;
  created_at: number;
  created_by: string;
  storage_digest: string | null;
  rows: number | null;
  files: number | null;
  columns: Record<string, string>;
  format: string | null;
  source: string | null;
  description: string | null;
  run_id: string | null;
  profile_digest: string | null;
  schema: string | null;
}

export interface IDatasetDetail {
  name: string;
  versions: IDatasetVersion[];
}

export interface IDatasetDiff {
  a: string;
  b: string;
  kind: string;
  rows: (number | null)[];
  added: string[];
  removed: string[];
  retyped: { column: string; a: string; b: string }[];
  changes: { column: string; change: string; a: unknown; b: unknown; delta: unknown }[];
  same: boolean;
  summary: string;
}

// -- drift reports ----------------------------------------------------------------------------

export interface IDriftResult {
  column: string;
  type: string;
  statistic: string | null;
  value: MetricValue;
  threshold: MetricValue;
  drifted: boolean;
  role: string;
  note: string;
  details: Record<string, unknown>;
}

export interface IDriftReport {
  id: string;
  created_at: number;
  reference: string;
  current: string;
  drifted: boolean;
  share: MetricValue;
  drift_share: MetricValue;
  method: string;
  reference_rows: number;
  current_rows: number;
  results: IDriftResult[];
  name: string | null;
  model: string | null;
  run_id: string | null;
  details: Record<string, unknown>;
}

/** A plotly figure as plotly.py's to_json writes it. */
export interface IFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface IDriftDetail {
  report: IDriftReport;
  figure: IFigure;
}
