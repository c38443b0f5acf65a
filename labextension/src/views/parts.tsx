/** Pieces the main-area views share: a themed plotly figure, a DAG drawing, a long table. */
import * as React from 'react';
import { List, RowComponentProps } from 'react-window';

import { drawFigure, purgeFigure, resizeFigure } from '../plotly';
import { IFigure } from '../tokens';
import { edgePath, IGraphLayout, IThemeColors, themedLayout, themeOf } from './logic';

/** The theme's colours, read again whenever JupyterLab switches theme. */
export function useTheme(ref: React.RefObject<HTMLElement>): IThemeColors | null {
  const [colors, setColors] = React.useState<IThemeColors | null>(null);
  React.useEffect(() => {
    const read = (): void => {
      if (ref.current) {
        setColors(themeOf(ref.current));
      }
    };
    read();
    // JupyterLab marks the body with the theme's name when it switches (and loads its CSS
    // just before): read the variables again then.
    const observer = new MutationObserver(() => window.setTimeout(read, 50));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return colors;
}

export interface IThemedFigureProps {
  figure: IFigure;
  label: string;
  /** Layout entries over the server's (height, axes). */
  extra?: Record<string, unknown>;
  className?: string;
  minWidth?: number;
}

/** A plotly figure drawn in the theme's colours; plotly.js (see plotly.ts) loads on the first draw. */
export function ThemedFigure(props: IThemedFigureProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const colors = useTheme(ref);
  React.useEffect(() => {
    const node = ref.current;
    if (!node || !colors) {
      return;
    }
    let cancelled = false;
    const layout = themedLayout(props.figure.layout, colors, props.extra);
    const config = { responsive: true, displaylogo: false };
    delete node.dataset.rendered;
    void drawFigure(node, { data: props.figure.data, layout, config }, () => cancelled).then(done => {
      if (done) {
        node.dataset.rendered = 'true';
        node.dataset.theme = document.body.dataset.jpThemeName ?? '';
      }
    });
    return () => {
      cancelled = true;
    };
  }, [props.figure, colors, props.extra]);
  React.useEffect(() => {
    const node = ref.current;
    const observer = new ResizeObserver(() => {
      if (node?.dataset.rendered) {
        resizeFigure(node);
      }
    });
    if (node) {
      observer.observe(node);
    }
    return () => {
      observer.disconnect();
      if (node) {
        purgeFigure(node);
      }
    };
  }, []);
  return (
    <div className="jp-mlops-figure-scroll">
      <div
        className={`jp-mlops-figure ${props.className ?? ''}`}
        style={props.minWidth ? { minWidth: props.minWidth } : undefined}
        ref={ref}
        role="img"
        aria-label={props.label}
      />
    </div>
  );
}

export interface IGraphNodeView {
  id: string;
  label: string;
  detail: string;
  /** A class naming its kind or state (colours come from the stylesheet's theme variables). */
  className: string;
  title: string;
}

/**
 * A laid-out DAG as SVG: each node a focusable button (Enter or Space opens it), edges with
 * arrow heads. The layout comes from dagre (logic.layoutGraph), never from here.
 */
export function GraphView(props: {
  layout: IGraphLayout;
  nodes: IGraphNodeView[];
  label: string;
  onOpen: (id: string) => void;
}): JSX.Element {
  const { layout } = props;
  const marker = React.useId().replace(/:/g, '');
  return (
    <div className="jp-mlops-graph-wrap">
      <svg
        className="jp-mlops-graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={props.label}
      >
        <defs>
          <marker
            id={marker}
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="jp-mlops-graph-arrow" />
          </marker>
        </defs>
        {layout.edges.map(edge => (
          <path
            key={`${edge.source}->${edge.target}`}
            className="jp-mlops-graph-edge"
            d={edgePath(edge.points)}
            markerEnd={`url(#${marker})`}
            data-source={edge.source}
            data-target={edge.target}
          />
        ))}
        {props.nodes.map(node => {
          const at = layout.nodes.get(node.id);
          if (!at) {
            return null;
          }
          const open = (): void => props.onOpen(node.id);
          return (
            <g
              key={node.id}
              className={`jp-mlops-graph-node ${node.className}`}
              data-node={node.id}
              transform={`translate(${at.x},${at.y})`}
              tabIndex={0}
              role="button"
              aria-label={`${node.label}, ${node.detail}`}
              onClick={open}
              onKeyDown={event => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  open();
                }
              }}
            >
              <title>{node.title}</title>
              <rect width={at.width} height={at.height} rx={6} ry={6} />
              <text x={12} y={22} className="jp-mlops-graph-label">
                {clip(node.label, at.width)}
              </text>
              <text x={12} y={40} className="jp-mlops-graph-detail">
                {clip(node.detail, at.width)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function clip(text: string, width: number): string {
  const fits = Math.floor((width - 24) / 8);
  return text.length > fits ? text.slice(0, Math.max(fits - 1, 1)) + '…' : text;
}

export interface IColumn<T> {
  title: string;
  cell: (row: T) => React.ReactNode;
  className?: string;
  /** A CSS grid track, e.g. "2fr" or "120px". */
  width?: string;
}

const ROW_HEIGHT = 26;
/** Up to this many rows render as they are; past it only the visible ones (react-window). */
export const VIRTUAL_FROM = 60;

function Row<T>(
  props: RowComponentProps<{ rows: T[]; columns: IColumn<T>[]; template: string; rowClass?: (row: T) => string }>
): JSX.Element {
  const row = props.rows[props.index];
  return (
    <div
      style={{ ...props.style, gridTemplateColumns: props.template }}
      className={`jp-mlops-vrow ${props.rowClass?.(row) ?? ''}`}
      role="row"
    >
      {props.columns.map(column => (
        <div key={column.title} role="cell" className={column.className}>
          {column.cell(row)}
        </div>
      ))}
    </div>
  );
}

/** A table whose long bodies are virtualized, so thousands of rows stay a few dozen nodes. */
export function VirtualTable<T>(props: {
  rows: T[];
  columns: IColumn<T>[];
  label: string;
  className?: string;
  rowClass?: (row: T) => string;
}): JSX.Element {
  const template = props.columns.map(c => c.width ?? '1fr').join(' ');
  const header = (
    <div className="jp-mlops-vrow jp-mlops-vhead" role="row" style={{ gridTemplateColumns: template }}>
      {props.columns.map(column => (
        <div key={column.title} role="columnheader" className={column.className}>
          {column.title}
        </div>
      ))}
    </div>
  );
  const rowProps = { rows: props.rows, columns: props.columns, template, rowClass: props.rowClass };
  return (
    <div
      className={`jp-mlops-vtable ${props.className ?? ''}`}
      role="table"
      aria-label={props.label}
      aria-rowcount={props.rows.length + 1}
      data-virtual={props.rows.length > VIRTUAL_FROM ? 'true' : 'false'}
    >
      {header}
      {props.rows.length > VIRTUAL_FROM ? (
        <List
          rowComponent={Row as any}
          rowCount={props.rows.length}
          rowHeight={ROW_HEIGHT}
          rowProps={rowProps as any}
          style={{ height: Math.min(props.rows.length, 16) * ROW_HEIGHT }}
        />
      ) : (
        props.rows.map((row, index) => (
          <Row
            key={index}
            index={index}
            style={{}}
            ariaAttributes={{ 'aria-posinset': index + 1, 'aria-setsize': props.rows.length, role: 'listitem' }}
            {...rowProps}
          />
        ))
      )}
    </div>
  );
}

/** A titled block of a view. */
export function Section(props: {
  title: string;
  children: React.ReactNode;
  className?: string;
}): JSX.Element {
  return (
    <section className={`jp-mlops-section ${props.className ?? ''}`} aria-label={props.title}>
      <h3>{props.title}</h3>
      {props.children}
    </section>
  );
}

/** "Loading…" or the error of a load, inside a view. */
export function Status(props: { error: string | null; loading: boolean }): JSX.Element | null {
  if (props.error) {
    return (
      <div className="jp-mlops-error" role="alert">
        {props.error}
      </div>
    );
  }
  return props.loading ? <div className="jp-mlops-empty">Loading…</div> : null;
}
