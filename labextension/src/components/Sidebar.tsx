import * as React from 'react';

import { RunsModel } from '../model';
import { DataTab } from './DataTab';
import { DriftTab } from './DriftTab';
import { ModelsTab } from './ModelsTab';
import { RunDetail } from './RunDetail';
import { RunsTable } from './RunsTable';

export interface ISidebarProps {
  model: RunsModel;
  onOpenNotebook: (path: string) => void;
}

export type TabId = 'runs' | 'models' | 'data' | 'drift';

export const TABS: [TabId, string][] = [
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['data', 'Data'],
  ['drift', 'Drift']
];

/** Where the sidebar is: the tab, and the item open in each tab (null: its list). */
interface IPlace {
  tab: TabId;
  runs: string[] | null;
  model: string | null;
  dataset: string | null;
  report: string | null;
}

/** The sidebar: the missing-extension notice, or the tabs and the open tab's content. */
export function Sidebar(props: ISidebarProps): JSX.Element {
  const { model } = props;
  const [place, setPlace] = React.useState<IPlace>({
    tab: 'runs',
    runs: null,
    model: null,
    dataset: null,
    report: null
  });
  const go = (change: Partial<IPlace>): void => setPlace(p => ({ ...p, ...change }));
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const update = (): void => setVersion(v => v + 1);
    model.changed.connect(update);
    void model.refresh();
    return () => {
      model.changed.disconnect(update);
    };
  }, [model]);

  if (model.error?.isMissingExtension) {
    return (
      <div className="jp-mlops-panel-body">
        <div className="jp-mlops-error jp-mlops-missing">
          The jupyter-mlops server extension is not enabled. Enable it with
          <pre>jupyter server extension enable jupyter_mlops</pre>
          and restart JupyterLab.
        </div>
      </div>
    );
  }
  const settings = model.settings;
  const openRun = (id: string): void => go({ tab: 'runs', runs: [id] });
  const openModel = (name: string): void => go({ tab: 'models', model: name });
  const openDataset = (name: string): void => go({ tab: 'data', dataset: name });
  return (
    <div className="jp-mlops-panel-body">
      <TabBar current={place.tab} onSelect={tab => go({ tab })} />
      <div
        className="jp-mlops-tabpanel"
        role="tabpanel"
        id={`jp-mlops-tabpanel-${place.tab}`}
        aria-labelledby={`jp-mlops-tab-${place.tab}`}
      >
        {place.tab === 'runs' ? (
          place.runs ? (
            <RunDetail
              settings={settings}
              ids={place.runs}
              onBack={() => go({ runs: null })}
              onOpenNotebook={props.onOpenNotebook}
            />
          ) : (
            <RunsTable
              model={model}
              onOpen={id => go({ runs: [id] })}
              onCompare={ids => go({ runs: ids })}
            />
          )
        ) : null}
        {place.tab === 'models' ? (
          <ModelsTab
            settings={settings}
            selected={place.model}
            onSelect={name => go({ model: name })}
            onOpenRun={openRun}
            onOpenDataset={openDataset}
          />
        ) : null}
        {place.tab === 'data' ? (
          <DataTab
            settings={settings}
            selected={place.dataset}
            onSelect={name => go({ dataset: name })}
            onOpenRun={openRun}
          />
        ) : null}
        {place.tab === 'drift' ? (
          <DriftTab
            settings={settings}
            selected={place.report}
            onSelect={id => go({ report: id })}
            onOpenRun={openRun}
            onOpenModel={openModel}
            onOpenDataset={openDataset}
          />
        ) : null}
      </div>
    </div>
  );
}

/** The tab strip, keyboard accessible as the WAI-ARIA tabs pattern asks (arrows, Home, End). */
function TabBar(props: { current: TabId; onSelect: (tab: TabId) => void }): JSX.Element {
  const refs = React.useRef<Record<string, HTMLButtonElement | null>>({});
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const index = TABS.findIndex(([id]) => id === props.current);
    const moves: Record<string, number> = {
      ArrowRight: (index + 1) % TABS.length,
      ArrowLeft: (index - 1 + TABS.length) % TABS.length,
      Home: 0,
      End: TABS.length - 1
    };
    if (event.key in moves) {
      event.preventDefault();
      const next = TABS[moves[event.key]][0];
      props.onSelect(next);
      refs.current[next]?.focus();
    }
  };
  return (
    <div className="jp-mlops-tabs" role="tablist" aria-label="MLOps" onKeyDown={onKeyDown}>
      {TABS.map(([id, label]) => (
        <button
          key={id}
          ref={node => {
            refs.current[id] = node;
          }}
          id={`jp-mlops-tab-${id}`}
          role="tab"
          className={`jp-mlops-tab${id === props.current ? ' jp-mod-current' : ''}`}
          aria-selected={id === props.current}
          aria-controls={`jp-mlops-tabpanel-${id}`}
          tabIndex={id === props.current ? 0 : -1}
          onClick={() => props.onSelect(id)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
