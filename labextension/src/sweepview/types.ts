/** The Sweep view's JSON, mirroring GET /jupyter-mlops/api/sweeps/{run_id} (openapi/sweeps.yaml). */
import { MetricValue } from '../runviews/types';

export type ParamValue = number | string;
export type TrialState = 'complete' | 'pruned' | 'failed' | 'running';

export interface ISweepBest {
  /** The best trial's run; null when it belongs to an earlier run of the same study. */
  trial_id: string | null;
  number: number | null;
  params: Record<string, ParamValue>;
  value: MetricValue;
}

export interface ISweepSummary {
  id: string;
  name: string;
  study: string;
  experiment: string;
  status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time: number;
  end_time: number | null;
  duration: number | null;
  direction: 'maximize' | 'minimize';
  metric: string;
  n_trials: ParamValue | null;
  sampler: string | null;
  pruner: string | null;
  best: ISweepBest | null;
  counts: Record<TrialState, number>;
}

export interface ISweepTrial {
  id: string;
  name: string;
  number: number | null;
  state: TrialState;
  status: string;
  params: Record<string, ParamValue>;
  /** The objective's value: complete trials only, as in Optuna. */
  value: MetricValue | null;
  /** The metric's last logged value (where a pruned trial stood when it was stopped). */
  last_value: MetricValue | null;
  intermediate_values: number;
  start_time: number;
  duration: number | null;
}

export interface ISweepView {
  sweep: ISweepSummary;
  trials: ISweepTrial[];
}
