/**
 * The views' logic without the DOM: graph layout (dagre), what a lineage node opens, the
 * pipeline's step states merged from the last run and a live job, and plotly layouts coloured
 * from JupyterLab's theme variables.
 */
import dagre from '@dagrejs/dagre';

import { IFigure, MetricValue } from '../tokens';
import {
  IDriftPoint,
  IEdge,
  ILastRun,
  ILineageNode,
  IPipelineJob,
  IPipelineStep,
  IStepState
} from './types';

// -- graph layout -----------------------------------------------------------------------------

export interface ISizedNode {
  id: string;
  width: number;
  height: number;
}

export interface IPlacedNode extends ISizedNode {
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface IPlacedEdge extends IEdge {
  points: { x: number; y: number }[];
}

export interface IGraphLayout {
  nodes: Map<string, IPlacedNode>;
  edges: IPlacedEdge[];
  width: number;
  height: number;
}

/**
 * Lay a DAG out left to right with dagre; edges naming unknown nodes are dropped.
 */
export function layoutGraph(
  nodes: ISizedNode[],
  edges: IEdge[],
  options: { rankdir?: 'LR' | 'TB'; nodesep?: number; ranksep?: number } = {}
): IGraphLayout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({
    rankdir: options.rankdir ?? 'LR',
    nodesep: options.nodesep ?? 24,
    ranksep: options.ranksep ?? 64,
    marginx: 16,
    marginy: 16
  });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(nodes.map(n => n.id));
  for (const node of nodes) {
    graph.setNode(node.id, { width: node.width, height: node.height });
  }
  const kept = edges.filter(e => known.has(e.source) && known.has(e.target));
  for (const edge of kept) {
    graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  const placed = new Map<string, IPlacedNode>();
  for (const node of nodes) {
    const at = graph.node(node.id) as { x: number; y: number };
    // dagre gives centres; the SVG draws from the top-left corner.
    placed.set(node.id, { ...node, x: at.x - node.width / 2, y: at.y - node.height / 2 });
  }
  const placedEdges = kept.map(edge => {
    const points = (graph.edge(edge.source, edge.target) as { points?: { x: number; y: number }[] })
      .points;
    return { ...edge, points: points ?? [] };
  });
  const label = graph.graph() as { width?: number; height?: number };
  return {
    nodes: placed,
    edges: placedEdges,
    width: Math.max(label.width ?? 0, 1),
    height: Math.max(label.height ?? 0, 1)
  };
}

/** An SVG path through an edge's points: straight segments smoothed at the bends. */
export function edgePath(points: { x: number; y: number }[]): string {
  if (!points.length) {
    return '';
  }
  const [first, ...rest] = points;
  let d = `M${first.x.toFixed(1)},${first.y.toFixed(1)}`;
  if (rest.length === 1) {
    return d + ` L${rest[0].x.toFixed(1)},${rest[0].y.toFixed(1)}`;
  }
  for (let i = 0; i < rest.length - 1; i++) {
    const control = rest[i];
    const next = rest[i + 1];
    const end = i === rest.length - 2 ? next : { x: (control.x + next.x) / 2, y: (control.y + next.y) / 2 };
    d += ` Q${control.x.toFixed(1)},${control.y.toFixed(1)} ${end.x.toFixed(1)},${end.y.toFixed(1)}`;
  }
  return d;
}

/** A node's width for its label: wide enough to read, never a whole paragraph. */
export function nodeWidth(label: string, detail = ''): number {
  const longest = Math.max(label.length, detail.length);
  // About 8 pixels a character of the 13-pixel bold label.
  return Math.min(280, Math.max(120, 28 + longest * 8));
}

// -- lineage ----------------------------------------------------------------------------------

export interface INodeAction {
  /** A command of app.commands, or null for a node shown inside the same view. */
  command: string | null;
  args: Record<string, string | number>;
}

/** What clicking a lineage node does: open the view of the dataset, run, model or report. */
export function lineageAction(node: ILineageNode): INodeAction | null {
  const ref = node.ref;
  switch (node.kind) {
    case 'dataset':
      return ref.name
        ? {
            command: 'mlops:open-dataset',
            args: ref.version ? { name: ref.name, version: ref.version } : { name: ref.name }
          }
        : null;
    case 'run':
      return ref.id ? { command: 'mlops:open-run', args: { id: ref.id } } : null;
    case 'model':
      return ref.name && ref.version
        ? { command: 'mlops:open-model', args: { name: ref.name, version: ref.version } }
        : null;
    case 'drift':
      return ref.id ? { command: 'mlops:open-drift', args: { id: ref.id } } : null;
    case 'predictions':
      return { command: null, args: {} };
  }
  return null;
}

const KIND_LABEL: Record<string, string> = {
  dataset: 'data version',
  run: 'training run',
  model: 'model version',
  drift: 'drift report',
  predictions: 'prediction log'
};

/** The second line of a node: what it is, and its state where it has one. */
export function nodeDetail(node: ILineageNode): string {
  const kind = KIND_LABEL[node.kind] ?? node.kind;
  if (node.kind === 'drift') {
    return `${kind} · ${node.drifted ? 'DRIFTED' : 'no drift'}`;
  }
  if (node.kind === 'run' && node.status) {
    return `${kind} · ${node.status.toLowerCase()}`;
  }
  if (node.kind === 'model' && node.status) {
    return `${kind} · ${node.status.toLowerCase()}`;
  }
  return kind;
}

// -- pipeline states --------------------------------------------------------------------------

/**
 * Each step's state to draw: a live job's events win, the last recorded run fills in, and a
 * step neither knows is "never run" (or "pending" while a job runs, "skipped" after it).
 */
export function mergeStepStates(
  steps: IPipelineStep[],
  lastRun: ILastRun | null,
  job: IPipelineJob | null
): Record<string, IStepState> {
  const states: Record<string, IStepState> = {};
  for (const step of steps) {
    const live = job?.steps[step.name];
    const recorded = lastRun?.steps[step.name];
    if (live) {
      states[step.name] = { ...recorded, ...live, run_id: live.run_id ?? null };
      if (!live.notebook && recorded?.notebook && live.state !== 'running') {
        states[step.name].notebook = recorded.notebook;
      }
    } else if (job) {
      states[step.name] = {
        state: job.state === 'running' ? 'pending' : 'skipped',
        run_id: null,
        notebook: null
      };
    } else if (recorded) {
      states[step.name] = recorded;
    } else {
      states[step.name] = { state: 'never run', run_id: null, notebook: null };
    }
  }
  return states;
}

/** How a state reads in a node: "running 3/7", "cached", "failed". */
export function stateText(state: IStepState): string {
  if (state.state === 'running' && state.cells) {
    return `running ${state.cell ?? 0}/${state.cells}`;
  }
  return state.state;
}

/** Counts of each state, in a fixed order, for the header line. */
export function stateSummary(states: Record<string, IStepState>): string {
  const order = ['running', 'pending', 'ran', 'cached', 'failed', 'killed', 'skipped', 'never run'];
  const counts = new Map<string, number>();
  for (const s of Object.values(states)) {
    counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  }
  return order
    .filter(name => counts.has(name))
    .map(name => `${counts.get(name)} ${name}`)
    .join(' · ');
}

// -- theme ------------------------------------------------------------------------------------

export interface IThemeColors {
  font: string;
  muted: string;
  background: string;
  grid: string;
  line: string;
  fontFamily: string;
  accent: string;
  error: string;
  success: string;
  warn: string;
}

/** The colours of the current JupyterLab theme, read from its CSS variables. */
export function themeColors(read: (name: string) => string): IThemeColors {
  const get = (name: string, fallback: string): string => read(name).trim() || fallback;
  // The fallbacks only matter outside JupyterLab (jest); the theme always sets these.
  return {
    font: get('--jp-ui-font-color1', 'rgba(0,0,0,0.87)'),
    muted: get('--jp-ui-font-color2', 'rgba(0,0,0,0.54)'),
    background: get('--jp-layout-color0', 'transparent'),
    grid: get('--jp-border-color2', 'rgba(128,128,128,0.3)'),
    line: get('--jp-border-color1', 'rgba(128,128,128,0.6)'),
    fontFamily: get('--jp-ui-font-family', 'sans-serif'),
    accent: get('--jp-brand-color1', '#1976d2'),
    error: get('--jp-error-color1', '#d32f2f'),
    success: get('--jp-success-color1', '#388e3c'),
    warn: get('--jp-warn-color1', '#f57c00')
  };
}

/**
 * A model card's HTML (its own stylesheet, shown in a sandboxed frame that CSS variables
 * cannot reach) with the theme's colours laid over it as literal values.
 */
export function themedCardHtml(html: string, colors: IThemeColors): string {
  const css =
    `body{color:${colors.font};background:${colors.background};font-family:${colors.fontFamily}}` +
    `th{background:transparent}th,td{border-color:${colors.grid}}a{color:${colors.accent}}`;
  const style = `<style>${css}</style>`;
  return html.includes('</head>') ? html.replace('</head>', `${style}</head>`) : style + html;
}

/** Read the theme from an element inside the lab (CSS variables cascade from the body). */
export function themeOf(node: Element): IThemeColors {
  const style = getComputedStyle(node);
  return themeColors(name => style.getPropertyValue(name));
}

const AXIS = /^[xy]axis\d*$/;

/**
 * A figure's layout recoloured for the theme: transparent paper, the theme's font and grid on
 * every axis; the server's light template is dropped so no white or black stays behind.
 */
export function themedLayout(
  layout: Record<string, unknown>,
  colors: IThemeColors,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...layout };
  delete out.template;
  for (const [key, value] of Object.entries(layout)) {
    if (AXIS.test(key)) {
      out[key] = {
        ...(value as Record<string, unknown>),
        gridcolor: colors.grid,
        linecolor: colors.line,
        zerolinecolor: colors.line,
        tickfont: { color: colors.font },
        title: retitle((value as Record<string, unknown>)?.title, colors)
      };
    }
  }
  for (const key of ['xaxis', 'yaxis']) {
    if (!out[key]) {
      out[key] = { gridcolor: colors.grid, linecolor: colors.line, zerolinecolor: colors.line };
    }
  }
  if (Array.isArray(layout.annotations)) {
    // Subplot titles are annotations; they keep their text and take the theme's colour.
    out.annotations = (layout.annotations as Record<string, unknown>[]).map(a => ({
      ...a,
      font: { ...((a.font as object) ?? {}), color: colors.font }
    }));
  }
  return {
    ...out,
    title: retitle(layout.title, colors),
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: colors.font, family: colors.fontFamily, size: 12 },
    legend: { ...((layout.legend as object) ?? {}), font: { color: colors.font } },
    hoverlabel: { bgcolor: colors.background, font: { color: colors.font } },
    autosize: true,
    ...extra
  };
}

function retitle(title: unknown, colors: IThemeColors): unknown {
  if (title === undefined || title === null) {
    return title;
  }
  if (typeof title === 'string') {
    return { text: title, font: { color: colors.font } };
  }
  return { ...(title as object), font: { ...((title as { font?: object }).font ?? {}), color: colors.font } };
}

/** Tick every category of the drift chart's column axes, slanted when there are many. */
export function everyColumnTicked(figure: IFigure): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  const counts: Record<string, number> = {};
  for (const trace of figure.data) {
    const axis = ((trace.xaxis as string) ?? 'x').replace(/^x/, 'xaxis');
    const xs = (trace.x as unknown[]) ?? [];
    counts[axis] = Math.max(counts[axis] ?? 0, xs.length);
  }
  for (const [axis, count] of Object.entries(counts)) {
    extra[axis] = {
      ...((figure.layout[axis] as object) ?? {}),
      type: 'category',
      tickmode: 'linear',
      dtick: 1,
      tickangle: count > 12 ? -45 : 0,
      automargin: true
    };
  }
  return extra;
}

/** How many columns a drift chart draws along its x axes. */
export function chartColumns(figure: IFigure): number {
  const names = new Set<string>();
  for (const trace of figure.data) {
    if (trace.type === 'bar') {
      for (const x of (trace.x as string[]) ?? []) {
        names.add(String(x));
      }
    }
  }
  return names.size;
}

function finite(value: MetricValue): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Drift over time: the share of drifted columns per saved report, its threshold dashed. */
export function historyFigure(points: IDriftPoint[], colors: IThemeColors): IFigure {
  const x = points.map(p => new Date(p.created_at * 1000).toISOString());
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: 'drifted share',
        x,
        y: points.map(p => finite(p.share)),
        customdata: points.map(p => [p.name ?? p.id.slice(-8), p.version ?? '?']),
        hovertemplate: '%{customdata[0]} (version %{customdata[1]})<br>%{y:.0%} of columns drifted<extra></extra>',
        marker: {
          size: 9,
          color: points.map(p => (p.drifted ? colors.error : colors.success))
        },
        line: { color: colors.accent }
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'threshold',
        x,
        y: points.map(p => finite(p.drift_share)),
        line: { dash: 'dash', color: colors.muted },
        hoverinfo: 'skip'
      }
    ],
    layout: {
      yaxis: { title: { text: 'share of columns drifted' }, tickformat: '.0%', rangemode: 'tozero' },
      xaxis: { title: { text: 'report saved' } },
      showlegend: true,
      legend: { orientation: 'h', y: -0.25 },
      margin: { l: 60, r: 20, t: 20, b: 60 },
      height: 280
    }
  };
}

/** Parse "churn@champion" or "churn/3" as a model and either its alias or its version. */
export function parseModel(
  model: string | null
): { name: string; alias?: string; version?: number } | null {
  if (!model) {
    return null;
  }
  const text = model.replace(/^models:\//, '');
  const at = text.indexOf('@');
  if (at > 0) {
    return { name: text.slice(0, at), alias: text.slice(at + 1) };
  }
  const slash = text.indexOf('/');
  if (slash > 0 && /^\d+$/.test(text.slice(slash + 1))) {
    return { name: text.slice(0, slash), version: Number(text.slice(slash + 1)) };
  }
  return { name: text };
}

/** A data reference "customers@3" as its name and version (null for a file or a frame). */
export function parseDataset(ref: string): { name: string; version: number } | null {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)@(\d+)$/.exec(ref);
  return match ? { name: match[1], version: Number(match[2]) } : null;
}

/** The widget id of a view, one per object: opening it again shows the same tab. */
export function viewId(kind: string, ...parts: (string | number)[]): string {
  return `jupyter-mlops-${kind}:${parts.map(p => encodeURIComponent(String(p))).join('/')}`;
}
