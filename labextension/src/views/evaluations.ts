/**
 * The logic of a model version's evaluations without the DOM: one metric of the per-slice
 * figure at a time (our own picker instead of plotly's menu, which ignores the theme), the
 * slices as table rows with their verdicts, and the blessing in words.
 */
import { IFigure } from '../tokens';
import { IEvaluation, IEvaluationSlice, IVerdict } from './types';

interface IMenuButton {
  label: string;
  args: [{ visible?: boolean[] }, { shapes?: unknown[]; 'xaxis.title.text'?: string }];
}

function buttonsOf(figure: IFigure): IMenuButton[] {
  const menus = figure.layout.updatemenus as { buttons?: IMenuButton[] }[] | undefined;
  return menus?.[0]?.buttons ?? [];
}

/** The metrics the figure can show, in the order the evaluation measured them. */
export function figureMetrics(figure: IFigure): string[] {
  const buttons = buttonsOf(figure);
  if (buttons.length) {
    return buttons.map(b => b.label);
  }
  return figure.data.filter(t => t.type === 'bar').map(t => String(t.name ?? ''));
}

/**
 * The figure showing `metric` (the server's own choice when it is null or unknown): the
 * traces, bounds and axis title its menu entry would set, and no menu.
 */
export function figureOfMetric(figure: IFigure, metric: string | null): { figure: IFigure; shown: string | null } {
  const layout: Record<string, unknown> = { ...figure.layout };
  delete layout.updatemenus;
  const buttons = buttonsOf(figure);
  const button = buttons.find(b => b.label === metric);
  if (!button) {
    const visible = figure.data.find(t => t.type === 'bar' && t.visible !== false);
    return { figure: { data: figure.data, layout }, shown: visible ? String(visible.name) : null };
  }
  const [traces, relayout] = button.args;
  const mask = traces.visible ?? [];
  return {
    figure: {
      data: figure.data.map((trace, i) => ({ ...trace, visible: mask[i] ?? trace.visible })),
      layout: {
        ...layout,
        shapes: relayout.shapes ?? [],
        xaxis: {
          ...((layout.xaxis as object) ?? {}),
          title: { text: relayout['xaxis.title.text'] ?? button.label }
        }
      }
    },
    shown: button.label
  };
}

export type SliceStatus = 'ok' | 'FAILED' | 'too small';

export interface ISliceRow extends IEvaluationSlice {
  status: SliceStatus;
  /** The metrics whose check failed on this slice. */
  failed: string[];
}

/** Every slice (overall first) with its verdict: failed, too small to judge, or ok. */
export function sliceRows(evaluation: IEvaluation): ISliceRow[] {
  const failed = new Map<string, string[]>();
  for (const check of evaluation.details.checks ?? []) {
    if (check.passed === false) {
      failed.set(check.slice, [...(failed.get(check.slice) ?? []), check.metric]);
    }
  }
  return (evaluation.details.slices ?? []).map(entry => {
    const metrics = failed.get(entry.slice) ?? [];
    const status: SliceStatus = metrics.length ? 'FAILED' : entry.too_small ? 'too small' : 'ok';
    return { ...entry, status, failed: metrics };
  });
}

/** "Blessed: 5 checks passed" or "NOT blessed: 2 failing checks". */
export function verdictText(evaluation: IEvaluation): string {
  const checks = evaluation.details.checks ?? [];
  if (evaluation.blessed) {
    const passed = checks.filter(c => c.passed === true).length;
    return passed
      ? `Blessed: ${passed} check${passed === 1 ? '' : 's'} passed`
      : 'Blessed: no thresholds to check';
  }
  const count = evaluation.failures.length;
  return `NOT blessed: ${count} failing check${count === 1 ? '' : 's'}`;
}

/** The header's chip: the blessing the promotion gate would read. */
export function blessingChip(blessing: IVerdict | null): { text: string; state: 'blessed' | 'unblessed' | 'none'; title: string } {
  if (!blessing) {
    return { text: 'not evaluated', state: 'none', title: 'No evaluation of this version is stored.' };
  }
  if (blessing.blessed) {
    return { text: 'blessed', state: 'blessed', title: `The newest evaluation (on ${blessing.data}) blessed it.` };
  }
  return { text: 'NOT blessed', state: 'unblessed', title: blessing.failures.join('\n') };
}

/** How an evaluation reads in the picker: when, on what, and its verdict. */
export function evaluationLabel(evaluation: IEvaluation): string {
  const when = new Date(evaluation.created_at * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const what = evaluation.kind === 'replay' ? `replay against ${evaluation.baseline ?? '?'}` : `on ${evaluation.data}`;
  return `${when} · ${what} · ${evaluation.blessed ? 'blessed' : 'NOT blessed'}`;
}

/** Each bar labelled with its value, so a slice at zero still reads as a number. */
export function labelBars(figure: IFigure): IFigure {
  return {
    data: figure.data.map(trace =>
      trace.type === 'bar'
        ? { ...trace, texttemplate: '%{x:.3g}', textposition: 'outside', cliponaxis: false }
        : trace
    ),
    layout: figure.layout
  };
}
