/** JSON of the Run and Compare views' routes (runs/{id}/view, runs/{id}/histories, compare). */
import { IRun, IRunSummary, MetricValue } from '../tokens';

export interface IHistory {
  total: number;
  downsampled: boolean;
  steps: number[];
  values: (number | null)[];
}

export type Histories = Record<string, IHistory>;

export interface INotebookLocation {
  path: string;
  relative: string | null;
  exists: boolean;
  message: string | null;
}

export interface IRunFull extends IRun {
  host: string | null;
}

export interface IRunView {
  run: IRunFull;
  duration: number | null;
  environment: { python: string; platform: string; packages: Record<string, string> } | null;
  git_diff: string | null;
  children: Pick<IRunSummary, 'id' | 'name' | 'status' | 'metrics'>[];
  models: { name: string; version: number }[];
  stepped: string[];
  /** Each metric's number of points and range, so the table needs no history. */
  metric_stats: Record<string, { total: number; min: number | null; max: number | null }>;
  notebook: INotebookLocation | null;
}

export type MetricStats = IRunView['metric_stats'][string];

export interface ICompare {
  runs: IRunFull[];
  /** Each run's metrics logged more than once, by run id. */
  stepped: Record<string, string[]>;
  histories: Record<string, Histories>;
}

export interface IPreview {
  path: string;
  size: number;
  kind: 'image' | 'text' | 'html' | 'table' | 'plotly' | 'notebook' | 'binary';
  mime?: string;
  text?: string;
  truncated?: boolean;
  columns?: string[];
  rows?: unknown[][];
  figure?: { data: unknown[]; layout?: Record<string, unknown> };
  cells?: { type: string; source: string; outputs: string[] }[];
}

export type { MetricValue };
