/**
 * The extension's settings (schema/sidebar.json) as typed values: what the plugin reads when the
 * lab starts and whenever the user edits them in the Settings Editor.
 */
export const PLUGIN_ID = 'jupyter-mlops:sidebar';

export interface IMlopsSettings {
  /** Milliseconds between refreshes of the open Runs list and of a running run's view. */
  pollInterval: number;
  /** The Runs list's columns, in order; null: the list's defaults. */
  columns: string[] | null;
  /** The experiment the Runs list shows when the lab opens; empty for all. */
  defaultExperiment: string;
}

export const DEFAULT_SETTINGS: IMlopsSettings = {
  pollInterval: 3000,
  columns: null,
  defaultExperiment: ''
};

const MIN_POLL = 500;
const MAX_POLL = 600000;

/**
 * Settings from the registry's composite, each value checked on its own: a bad value falls back
 * to its default instead of breaking the others (the schema validates the editor's input, but
 * an overrides.json can hold anything).
 */
export function readSettings(composite: Record<string, unknown> | null | undefined): IMlopsSettings {
  const raw = composite ?? {};
  const poll = raw.pollInterval;
  const columns = raw.columns;
  const experiment = raw.defaultExperiment;
  return {
    pollInterval:
      typeof poll === 'number' && Number.isFinite(poll)
        ? Math.min(Math.max(Math.round(poll), MIN_POLL), MAX_POLL)
        : DEFAULT_SETTINGS.pollInterval,
    columns:
      Array.isArray(columns) && columns.length && columns.every(c => typeof c === 'string')
        ? Array.from(new Set(columns as string[]))
        : null,
    defaultExperiment: typeof experiment === 'string' ? experiment.trim() : ''
  };
}

