import * as React from 'react';

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
 * the theme changes); plotly.js loads on the first draw only.
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
    void import('plotly.js-dist-min').then(module => {
      if (cancelled || !node) {
        return;
      }
      const colors = themeOf(node);
      const layout = themedLayout(props.layout ?? {}, colors, {
        margin: { l: 50, r: 20, t: 36, b: 40 },
        colorway: [colors.accent, '#ef6c00', '#2e7d32', '#8e24aa', '#c62828', '#00838f',
                   '#6d4c41', '#3949ab', '#9e9d24', '#d81b60']
      });
      delete node.dataset.rendered;
      void module.default
        .react(node, props.data as any, layout as any, {
          responsive: true,
          displaylogo: false,
          ...props.config
        } as any)
        .then(() => {
          if (!cancelled) {
            node.dataset.rendered = 'true';
          }
        });
    });
    return () => {
      cancelled = true;
    };
  }, [props.data, props.layout, props.config, theme]);
  React.useEffect(() => {
    const node = ref.current;
    return () => {
      if (node?.dataset.rendered) {
        void import('plotly.js-dist-min').then(module => module.default.purge(node));
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
