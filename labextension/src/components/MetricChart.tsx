import * as React from 'react';

import { IMetricHistory } from '../tokens';
import { Figure } from './Figure';

export interface IMetricChartProps {
  /** One history per run (same metric key), labelled by run name. */
  series: { label: string; history: IMetricHistory }[];
  title: string;
}

/** A line chart of metric histories, one line per run. */
export function MetricChart(props: IMetricChartProps): JSX.Element {
  const figure = React.useMemo(
    () => ({
      data: props.series.map(s => ({
        x: s.history.steps,
        y: s.history.values,
        type: 'scatter',
        mode: 'lines',
        name: s.label
      })),
      layout: { title: { text: props.title }, height: 240 }
    }),
    [props.series, props.title]
  );
  return <Figure figure={figure} label={`${props.title} by step`} />;
}
