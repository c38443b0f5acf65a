/**
 * JSON of the routes the main-area views read (jupyter_mlops/server/openapi/views.yaml and
 * pipelines.yaml).
 */
import { IDatasetProfile, IDatasetVersion, IFigure, IModelVersion, MetricValue } from '../tokens';

export type LineageKind = 'dataset' | 'run' | 'model' | 'drift' | 'predictions';

export interface ILineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  /** What opening the node needs: {name, version} for data and models, {id} for runs and reports. */
  ref: { name?: string; version?: number | null; id?: string };
  status?: string;
  drifted?: boolean;
  share?: MetricValue;
  current?: boolean;
  count?: number;
}

export interface IEdge {
  source: string;
  target: string;
}

export interface ILineage {
  name: string;
  version: number;
  nodes: ILineageNode[];
  edges: IEdge[];
  more_reports?: number;
}

/** A model version as the registry route gives it, with its signature. */
export interface IModelVersionDetail extends IModelVersion {
  signature?: {
    inputs?: { name?: string; type?: string; dtype?: string }[] | Record<string, unknown>;
    outputs?: { name?: string; type?: string; dtype?: string }[] | Record<string, unknown>;
  } | null;
  tags?: Record<string, string>;
}

export interface IDriftPoint {
  id: string;
  name: string | null;
  created_at: number;
  share: MetricValue;
  drift_share: MetricValue;
  drifted: boolean;
  version: number | null;
}

export interface IDriftHistory {
  model: string;
  points: IDriftPoint[];
}

export interface IDatasetRun {
  id: string;
  direction: 'input' | 'output';
  name: string | null;
  status: string | null;
  experiment: string | null;
  start_time: number | null;
}

export interface IDatasetVersionDetail {
  version: IDatasetVersion;
  profile: IDatasetProfile | null;
  schema: string | null;
  runs: IDatasetRun[];
  more_runs: number;
  versions: number[];
}

export type StepStateName =
  | 'pending'
  | 'running'
  | 'ran'
  | 'cached'
  | 'failed'
  | 'skipped'
  | 'killed'
  | 'never run';

export interface IStepState {
  state: StepStateName;
  run_id: string | null;
  notebook: string | null;
  cached_from?: string | null;
  error?: string | null;
  cell?: number;
  cells?: number;
  reason?: string;
  duration?: number | null;
}

export interface IPipelineStep {
  name: string;
  notebook: string | null;
  needs: string[];
  inputs: string[];
  outputs: string[];
  params: Record<string, unknown>;
}

export interface ILastRun {
  run_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  error: string | null;
  steps: Record<string, IStepState>;
}

export interface IPipelineGraph {
  path: string;
  name: string;
  experiment: string;
  params: Record<string, unknown>;
  steps: IPipelineStep[];
  edges: IEdge[];
  last_run: ILastRun | null;
}

export interface IPipelineJob {
  id: string;
  path: string;
  state: 'running' | 'finished' | 'failed';
  returncode: number | null;
  started_at: number;
  /** Whether the run ignored the step cache. */
  force?: boolean;
  run_id: string | null;
  status: string | null;
  error: string | null;
  output: string;
  steps: Record<string, IStepState>;
}

/** One slice of an evaluation: its rows and metrics ("overall" is every row). */
export interface IEvaluationSlice {
  slice: string;
  feature: string;
  rows: number;
  too_small: boolean;
  metrics: Record<string, MetricValue>;
  /** The rows of the positive class, for a binary classification. */
  positives?: number;
}

/** One judged rule: a metric on a slice against a bound (or a baseline's change). */
export interface IEvaluationCheck {
  metric: string;
  slice: string;
  kind: string;
  bound: MetricValue;
  value: MetricValue | null;
  baseline: MetricValue | null;
  /** null: not judged (a slice too small, no baseline yet). */
  passed: boolean | null;
  note: string;
}

/** What an evaluation or replay measured and judged (a replay adds its agreement). */
export interface IEvaluationDetails {
  metrics: string[];
  slices: IEvaluationSlice[];
  checks: IEvaluationCheck[];
  notes: string[];
  agreement?: MetricValue;
}

export interface IEvaluation {
  id: string;
  kind: 'evaluation' | 'replay';
  created_at: number;
  name: string;
  version: number;
  data: string;
  label: string;
  task: string;
  rows: number;
  blessed: boolean;
  failures: string[];
  baseline: string | null;
  details: IEvaluationDetails;
  figure: IFigure;
}

/** The newest evaluation (or replay) of a version, as the promotion gate reads it. */
export interface IVerdict {
  id: string;
  created_at: number;
  blessed: boolean;
  failures: string[];
  data: string;
  baseline: string | null;
}

export interface IVersionEvaluations {
  name: string;
  version: number;
  blessing: IVerdict | null;
  replay: IVerdict | null;
  evaluations: IEvaluation[];
}
