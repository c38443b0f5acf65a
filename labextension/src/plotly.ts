/**
 * Which plotly.js bundle draws a figure, chosen in one place. The lines and bars that fill the
 * Run and Compare views' first screens need only plotly's basic bundle (scatter, bar and pie
 * traces: 1.2 MB against the full bundle's 4.8 MB), which the lab loads in idle time once it has
 * restored; a figure with any other trace (parcoords, scattergl, heatmap...) loads the full one
 * when it is first drawn. Both are cached dynamic imports, so each is fetched and evaluated once.
 */
import type { Config, Data, Layout } from 'plotly.js-dist-min';

export type Plotly = typeof import('plotly.js-dist-min').default;
export type Bundle = 'basic' | 'full';

/** The trace types the basic bundle registers (plotly.js's lib/index-basic.js). */
const BASIC_TYPES = new Set(['scatter', 'bar', 'pie']);

/** The bundle that can draw every trace of `data` (a trace without a type is a scatter). */
export function bundleFor(data: readonly unknown[]): Bundle {
  const basic = data.every(trace => {
    const type = (trace as { type?: unknown } | null)?.type ?? 'scatter';
    return typeof type === 'string' && BASIC_TYPES.has(type);
  });
  return basic ? 'basic' : 'full';
}

const loading = new Map<Bundle, Promise<Plotly>>();

/** The bundle's module, imported on the first call; a failed import is tried again next time. */
export function loadPlotly(bundle: Bundle): Promise<Plotly> {
  let module = loading.get(bundle);
  if (!module) {
    const imported =
      bundle === 'basic' ? import('plotly.js-basic-dist-min') : import('plotly.js-dist-min');
    module = imported.then(
      m => m.default,
      reason => {
        loading.delete(bundle);
        throw reason;
      }
    );
    loading.set(bundle, module);
  }
  return module;
}

/** The module that drew each node: purge and resize must go through the same bundle. */
const drawnBy = new WeakMap<HTMLElement, Plotly>();

export interface IFigureSpec {
  data: unknown[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/**
 * Draws (or redraws) a figure on `node` with the bundle its traces need; nothing is drawn if
 * `stale()` says so once the bundle has loaded. Resolves true when the drawing is done and
 * still current.
 */
export async function drawFigure(
  node: HTMLElement,
  figure: IFigureSpec,
  stale: () => boolean
): Promise<boolean> {
  const plotly = await loadPlotly(bundleFor(figure.data));
  if (stale()) {
    return false;
  }
  const before = drawnBy.get(node);
  if (before && before !== plotly) {
    // A node drawn by the other bundle holds that bundle's state: clear it before redrawing.
    before.purge(node);
  }
  drawnBy.set(node, plotly);
  await plotly.react(
    node,
    figure.data as Data[],
    figure.layout as Partial<Layout>,
    figure.config as Partial<Config>
  );
  return !stale();
}

/** Fits a drawn figure to its node's new size; a node never drawn is left alone. */
export function resizeFigure(node: HTMLElement): void {
  void drawnBy.get(node)?.Plots.resize(node);
}

/** Frees what plotly keeps for a node (listeners, WebGL contexts) when its chart goes away. */
export function purgeFigure(node: HTMLElement): void {
  drawnBy.get(node)?.purge(node);
  drawnBy.delete(node);
}

/**
 * Starts loading the basic bundle when the page is next idle, so that the first chart finds it
 * evaluated. Its evaluation is one long task: idle time keeps it off the lab's start, and a
 * failure is left for the first chart to retry and report.
 */
export function preloadPlotly(): void {
  const load = (): void => void loadPlotly('basic').catch(() => undefined);
  if (typeof window.requestIdleCallback === 'function') {
    window.requestIdleCallback(load);
  } else {
    // Safari before 18 has no requestIdleCallback.
    window.setTimeout(load, 1000);
  }
}
