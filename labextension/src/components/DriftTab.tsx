import * as React from 'react';

import { formatShare, formatTime } from '../format';
import { useShownModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { shortId } from '../model';
import { IDriftReport } from '../tokens';
import { ItemList } from './ItemList';

export interface IDriftTabProps {
  /** The saved reports (the sidebar's model of this tab's list). */
  list: LoadModel<IDriftReport[]>;
  /**
   * Open a report's main-area view: the per-column chart at full width, the columns' table,
   * distributions, the linked model and data versions, and the alias's drift over time.
   */
  onOpen: (id: string) => void;
}

function Verdict(props: { report: IDriftReport }): JSX.Element {
  const { report } = props;
  return (
    <span
      className={`jp-mlops-verdict ${report.drifted ? 'jp-mlops-drifted' : 'jp-mlops-stable'}`}
    >
      {report.drifted ? 'DRIFTED' : 'no drift'}
    </span>
  );
}

/** The Drift tab: the saved reports, newest first; a report opens its view. */
export function DriftTab(props: IDriftTabProps): JSX.Element {
  const load = useShownModel(props.list);
  return (
    <ItemList<IDriftReport>
      title="Drift reports"
      load={load}
      empty={
        <>
          No saved drift reports yet. Save one with{' '}
          <code>mlops.drift_report(reference, current).save()</code> or{' '}
          <code>%mlops_drift</code>.
        </>
      }
      itemKey={report => report.id}
      rowClassName="jp-mlops-report-row"
      columns={[
        {
          title: 'Report',
          cell: report => (
            <button
              className="jp-mlops-link"
              title={`Open drift report ${report.name ?? report.id}`}
              onClick={() => props.onOpen(report.id)}
            >
              {report.name ?? shortId(report.id)}
            </button>
          )
        },
        { title: 'Verdict', cell: report => <Verdict report={report} /> },
        { title: 'Drifted', cell: r => formatShare(r.share), className: 'jp-mlops-number' },
        { title: 'Model', cell: report => report.model ?? '' },
        { title: 'Reference → current', cell: r => `${r.reference} → ${r.current}` },
        { title: 'Created', cell: report => formatTime(report.created_at) }
      ]}
    />
  );
}
