import * as React from 'react';

import { RunsModel } from '../model';
import { DataTab } from './DataTab';
import { DriftTab } from './DriftTab';
import { ModelsTab } from './ModelsTab';
import { PipelinesTab } from './PipelinesTab';
import { RunsTable } from './RunsTable';

export interface ISidebarProps {
  model: RunsModel;
}

export type TabId = 'runs' | 'models' | 'data' | 'drift' | 'pipelines';

export const TABS: [TabId, string][] = [
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['data', 'Data'],
  ['drift', 'Drift'],
  ['pipelines', 'Pipelines']
];

/**
 * Where the sidebar is: the tab, and the item whose versions a tab lists (null: its list).
 * The sidebar is a navigator: versions, reports and pipelines open main-area views.
 */
interface IPlace {
  tab: TabId;
  /** The runs shown in the sidebar's own detail, used only before the Run views exist. */
  model: string | null;
  dataset: string | null;
}

/** The sidebar: the missing-extension notice, or the tabs and the open tab's content. */
export function Sidebar(props: ISidebarProps): JSX.Element {
  const { model } = props;
  const [place, setPlace] = React.useState<IPlace>({
    tab: 'runs',
    model: null,
    dataset: null
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
  // Each item opens its main-area view once the plugin registered the views (model.actions).
  const actions = model.actions;
  const openRun = (id: string): void => actions?.openRun(id);
  const openModelVersion = (name: string, version: number): void =>
    actions?.openModel?.(name, version);
  const openDatasetVersion = (name: string, version: number): void =>
    actions?.openDataset ? actions.openDataset(name, version) : go({ tab: 'data', dataset: name });
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
          <RunsTable model={model} onOpen={openRun} onCompare={ids => actions?.compare(ids)} />
        ) : null}
        {place.tab === 'models' ? (
          <ModelsTab
            settings={settings}
            selected={place.model}
            onSelect={name => go({ model: name })}
            onOpenVersion={openModelVersion}
            onOpenRun={openRun}
            onOpenDataset={openDatasetVersion}
          />
        ) : null}
        {place.tab === 'data' ? (
          <DataTab
            settings={settings}
            selected={place.dataset}
            onSelect={name => go({ dataset: name })}
            onOpenVersion={openDatasetVersion}
            onOpenRun={openRun}
          />
        ) : null}
        {place.tab === 'drift' ? (
          <DriftTab settings={settings} onOpen={id => actions?.openDrift?.(id)} />
        ) : null}
        {place.tab === 'pipelines' ? (
          <PipelinesTab settings={settings} onOpen={path => actions?.openPipeline?.(path)} />
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
    // Five tabs do not fit a narrow sidebar on one line; they wrap rather than overflow.
    <div
      className="jp-mlops-tabs"
      role="tablist"
      aria-label="MLOps"
      style={{ flexWrap: 'wrap' }}
      onKeyDown={onKeyDown}
    >
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
