import * as React from 'react';

import { IFigure } from '../tokens';

export interface IFigureProps {
  /** A figure as plotly.py's to_json writes it (built on the server). */
  figure: IFigure;
  /** What the figure shows, for screen readers. */
  label: string;
}

/**
 * A plotly figure made in Python, drawn with the theme's colours; plotly.js is loaded on the
 * first draw only, so the sidebar opens without it.
 */
export function Figure(props: IFigureProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    let cancelled = false;
    const node = ref.current;
    void import('plotly.js-dist-min').then(module => {
      if (cancelled || !node) {
        return;
      }
      const Plotly = module.default;
      const layout = {
        ...props.figure.layout,
        autosize: true,
        // The server's figure is themed for a light notebook; the panel follows JupyterLab's.
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { color: getComputedStyle(node).color },
        margin: { l: 40, r: 10, t: 40, b: 40 }
      };
      delete node.dataset.rendered;
      void Plotly.react(node, props.figure.data as any, layout as any, {
        responsive: true,
        displaylogo: false
      }).then(() => {
        if (!cancelled) {
          node.dataset.rendered = 'true';
        }
      });
    });
    return () => {
      cancelled = true;
    };
  }, [props.figure]);
  React.useEffect(() => {
    const node = ref.current;
    return () => {
      // Plotly keeps listeners and a resize handler per plot: release them with the node.
      if (node?.dataset.rendered) {
        void import('plotly.js-dist-min').then(module => module.default.purge(node));
      }
    };
  }, []);
  return <div className="jp-mlops-chart" ref={ref} role="img" aria-label={props.label} />;
}
