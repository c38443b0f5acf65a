import * as React from 'react';

import { IMetricHistory } from '../tokens';

export interface IMetricChartProps {
  /** One history per run (same metric key), labelled by run name. */
  series: { label: string; history: IMetricHistory }[];
  title: string;
}

/** A plotly line chart of metric histories; plotly is loaded on first draw only. */
export function MetricChart(props: IMetricChartProps): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    let cancelled = false;
    void import('plotly.js-dist-min').then(module => {
      const Plotly = module.default;
      if (cancelled || !ref.current) {
        return;
      }
      const data = props.series.map(s => ({
        x: s.history.steps,
        y: s.history.values,
        type: 'scatter' as const,
        mode: 'lines' as const,
        name: s.label
      }));
      const layout = {
        title: { text: props.title },
        height: 240,
        margin: { l: 40, r: 10, t: 30, b: 30 },
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { color: getComputedStyle(ref.current).color }
      };
      void Plotly.newPlot(ref.current, data, layout, {
        responsive: true,
        displaylogo: false
      }).then(() => {
        if (ref.current) {
          ref.current.dataset.rendered = 'true';
        }
      });
    });
    return () => {
      cancelled = true;
    };
  }, [props.series, props.title]);
  return <div className="jp-mlops-chart" ref={ref} />;
}
