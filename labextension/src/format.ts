/**
 * Pure helpers of the Models, Data and Drift tabs: formatting, references and the checks the
 * alias dialog makes before it asks the server (which checks again).
 */

/** A byte count the way a file browser shows it. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) {
    return '';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A Unix time in seconds as local date and time. */
export function formatTime(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '' : new Date(seconds * 1000).toLocaleString();
}

/** A share (0..1) as a percentage; the API's non-finite strings pass through. */
export function formatShare(value: number | string): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(0)} %` : value;
}

/** What a model reference ("churn@champion", "churn/3", "models:/churn/3") names. */
export interface IModelRef {
  name: string;
  version: number | null;
  alias: string | null;
}

export function parseModelRef(ref: string | null | undefined): IModelRef | null {
  if (!ref) {
    return null;
  }
  const match = /^(?:models:\/)?([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\/(\d+)|@([A-Za-z_][\w-]*))?$/.exec(
    ref.trim()
  );
  if (!match) {
    return null;
  }
  return {
    name: match[1],
    version: match[2] ? Number(match[2]) : null,
    alias: match[3] ?? null
  };
}

/** The dataset and version a data reference ("customers@3") names; null for anything else. */
export function parseDatasetRef(
  ref: string | null | undefined
): { name: string; version: number } | null {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)@(\d+)$/.exec((ref ?? '').trim());
  return match ? { name: match[1], version: Number(match[2]) } : null;
}

export const ALIAS_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;
export const MAX_REASON = 2000;

/** Why an alias move cannot be sent as given, or null when it can. */
export function aliasMoveProblem(move: {
  alias: string;
  version: number | null;
  reason: string;
  current?: number | null;
}): string | null {
  if (!ALIAS_PATTERN.test(move.alias)) {
    return 'An alias starts with a letter or _ and has only letters, digits, _ and -.';
  }
  if (move.version === null || !Number.isInteger(move.version) || move.version < 1) {
    return 'Choose the version the alias should name.';
  }
  if (move.current === move.version) {
    return `@${move.alias} already names version ${move.version}.`;
  }
  if (!move.reason.trim()) {
    return 'Say why the alias moves: the reason goes into the audit log.';
  }
  if (move.reason.length > MAX_REASON) {
    return `Keep the reason under ${MAX_REASON} characters.`;
  }
  return null;
}

/** The two versions a diff compares by default: the one before the newest, and the newest. */
export function defaultDiffPair(versions: number[]): [number, number] | null {
  const sorted = [...versions].sort((x, y) => x - y);
  return sorted.length < 2 ? null : [sorted[sorted.length - 2], sorted[sorted.length - 1]];
}

/** One audit entry as a sentence: "@champion 1 → 2", "status READY → ARCHIVED". */
export function describeAudit(entry: {
  action: string;
  alias: string | null;
  version: number | null;
  from_value: string | null;
  to_value: string | null;
}): string {
  const from = entry.from_value ?? '∅';
  const to = entry.to_value ?? '∅';
  switch (entry.action) {
    case 'alias':
      return `@${entry.alias} ${from} → ${to}`;
    case 'register':
      return `registered version ${entry.version}`;
    case 'status':
      return `version ${entry.version}: ${from} → ${to}`;
    default:
      return `${entry.action} version ${entry.version ?? ''}`.trim();
  }
}
