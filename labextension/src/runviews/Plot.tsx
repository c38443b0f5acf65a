import * as React from 'react';

import { drawFigure, purgeFigure } from '../plotly';
import { themedLayout, themeOf } from '../views/logic';

export interface IPlotProps {
  data: unknown[];
  layout?: Record<string, unknown>;
  /** What the chart shows, for screen readers. */
  label: string;
  className?: string;
  /** plotly config beyond the defaults (responsive, no logo). */
  config?: Record<string, unknown>;
}

/**
 * A plotly chart in the theme's colours (read from JupyterLab's CSS variables, redrawn when
 * the theme changes); plotly.js (the bundle its traces need, see plotly.ts) loads on the first
 * draw only.
 */
export function Plot(props: IPlotProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const [theme, setTheme] = React.useState(document.body.dataset.jpThemeName ?? '');
  React.useEffect(() => {
    const observer = new MutationObserver(() =>
      setTheme(document.body.dataset.jpThemeName ?? '')
    );
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
    return () => observer.disconnect();
  }, []);
  React.useEffect(() => {
    let cancelled = false;
    const node = ref.current;
    if (!node) {
      return;
    }
    const colors = themeOf(node);
    const layout = themedLayout(props.layout ?? {}, colors, {
      margin: { l: 50, r: 20, t: 36, b: 40 },
      colorway: [colors.accent, '#ef6c00', '#2e7d32', '#8e24aa', '#c62828', '#00838f',
                 '#6d4c41', '#3949ab', '#9e9d24', '#d81b60']
    });
    delete node.dataset.rendered;
    const config = { responsive: true, displaylogo: false, ...props.config };
    void drawFigure(node, { data: props.data, layout, config }, () => cancelled).then(done => {
      if (done) {
        node.dataset.rendered = 'true';
      }
    });
    return () => {
      cancelled = true;
    };
  }, [props.data, props.layout, props.config, theme]);
  React.useEffect(() => {
    const node = ref.current;
    return () => {
      if (node) {
        purgeFigure(node);
      }
    };
  }, []);
  return (
    <div
      className={`jp-mlops-plot ${props.className ?? ''}`}
      ref={ref}
      role="img"
      aria-label={props.label}
    />
  );
}
