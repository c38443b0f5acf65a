import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { listDatasets, listDriftReports, listModels } from '../api';
import { useModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { RunsModel } from '../model';
import { IDataset, IDriftReport, IRegisteredModel } from '../tokens';
import { listPipelineJobs } from '../views/api';
import { DataTab } from './DataTab';
import { DriftTab } from './DriftTab';
import { ModelsTab } from './ModelsTab';
import { IPipelineList, PipelinesTab } from './PipelinesTab';
import { RunsTable } from './RunsTable';

/**
 * The list tabs' models, made once beside the RunsModel: they outlive the tabs (each tab
 * reads its list again when shown), so a command or another view can refresh a list.
 */
export class ListModels {
  constructor(settings: ServerConnection.ISettings) {
    this.models = new LoadModel({ fetch: () => listModels(settings) });
    this.datasets = new LoadModel({ fetch: () => listDatasets(settings) });
    this.drift = new LoadModel({ fetch: () => listDriftReports(settings) });
    this.pipelines = new LoadModel({ fetch: () => listPipelineJobs(settings) });
  }

  readonly models: LoadModel<IRegisteredModel[]>;
  readonly datasets: LoadModel<IDataset[]>;
  readonly drift: LoadModel<IDriftReport[]>;
  readonly pipelines: LoadModel<IPipelineList>;

  get all(): LoadModel<unknown>[] {
    return [this.models, this.datasets, this.drift, this.pipelines];
  }

  /**
   * Read again the lists that were read before; one never shown reads when it is first shown,
   * so asking for it now would be a request nobody sees.
   */
  async refresh(): Promise<void> {
    await Promise.all(this.all.filter(model => model.generation > 0).map(model => model.refresh()));
  }

  dispose(): void {
    for (const model of this.all) {
      model.dispose();
    }
  }
}

export interface ISidebarProps {
  model: RunsModel;
  /** The list tabs' models; without them the sidebar makes (and disposes of) its own. */
  lists?: ListModels;
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
  useModel(model);
  React.useEffect(() => {
    void model.refresh();
  }, [model]);
  const own = React.useMemo(
    () => (props.lists ? null : new ListModels(model.settings)),
    [props.lists, model]
  );
  React.useEffect(() => () => own?.dispose(), [own]);
  const lists = props.lists ?? own!;

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
            list={lists.models}
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
            list={lists.datasets}
            selected={place.dataset}
            onSelect={name => go({ dataset: name })}
            onOpenVersion={openDatasetVersion}
            onOpenRun={openRun}
          />
        ) : null}
        {place.tab === 'drift' ? (
          <DriftTab list={lists.drift} onOpen={id => actions?.openDrift?.(id)} />
        ) : null}
        {place.tab === 'pipelines' ? (
          <PipelinesTab
            settings={settings}
            list={lists.pipelines}
            onOpen={path => actions?.openPipeline?.(path)}
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
