/**
 * The main-area views of the model registry, drift reports, data versions and pipelines: one
 * MainAreaWidget per object, tracked so JupyterLab restores them on reload, opened by commands.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, ReactWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import * as React from 'react';

import { getModel } from '../api';
import { DatasetView } from './DatasetView';
import { DriftView } from './DriftView';
import { viewId } from './logic';
import { ModelVersionView } from './ModelVersionView';
import { PipelineView } from './PipelineView';
import { getDatasetVersion, startPipelineRun } from './api';

export const COMMANDS = {
  openModel: 'mlops:open-model',
  openDrift: 'mlops:open-drift',
  openDataset: 'mlops:open-dataset',
  openPipeline: 'mlops:open-pipeline',
  runPipeline: 'mlops:run-pipeline'
} as const;

type Args = Record<string, string | number>;
type Kind = 'model' | 'drift' | 'dataset' | 'pipeline';

interface IViewWidget extends MainAreaWidget<ReactWidget> {
  /** The command and arguments that open this view again (the restorer keeps them). */
  mlopsArgs?: { kind: Kind; args: Args };
}

const trackers = new Map<Kind, WidgetTracker<IViewWidget>>();
function open(
  app: JupyterFrontEnd,
  kind: Kind,
  id: string,
  title: string,
  args: Args,
  render: () => JSX.Element
): IViewWidget {
  const tracker = trackers.get(kind);
  const existing = tracker?.find(w => w.id === id);
  if (existing) {
    app.shell.activateById(existing.id);
    return existing;
  }
  const content = ReactWidget.create(render());
  content.addClass('jp-mlops-view-content');
  const widget: IViewWidget = new MainAreaWidget({ content });
  widget.id = id;
  widget.title.label = title;
  widget.title.caption = title;
  widget.title.closable = true;
  widget.addClass('jp-mlops-main-view');
  widget.mlopsArgs = { kind, args };
  // Focus returns where the user came from when the view closes.
  const before = document.activeElement as HTMLElement | null;
  widget.disposed.connect(() => {
    if (before && document.contains(before)) {
      before.focus();
    }
  });
  app.shell.add(widget, 'main');
  void tracker?.add(widget);
  app.shell.activateById(widget.id);
  return widget;
}

function execute(app: JupyterFrontEnd): (command: string, args: Args) => void {
  return (command, args) => {
    void app.commands.execute(command, args).catch(reason => console.warn(reason));
  };
}

/** Open (or show again) the view of model `name` version `version`. */
export function openModelVersion(app: JupyterFrontEnd, name: string, version: number): IViewWidget {
  const settings = app.serviceManager.serverSettings;
  return open(app, 'model', viewId('model', name, version), `${name} v${version}`, { name, version }, () =>
    React.createElement(ModelVersionView, { settings, execute: execute(app), name, version })
  );
}

/** Open the view of the saved drift report `id`. */
export function openDriftReport(app: JupyterFrontEnd, id: string): IViewWidget {
  const settings = app.serviceManager.serverSettings;
  return open(app, 'drift', viewId('drift', id), `Drift ${id.slice(-8)}`, { id }, () =>
    React.createElement(DriftView, { settings, execute: execute(app), id })
  );
}

/** Open the view of dataset version `name@version`. */
export function openDataset(app: JupyterFrontEnd, name: string, version: number): IViewWidget {
  const settings = app.serviceManager.serverSettings;
  return open(app, 'dataset', viewId('dataset', name, version), `${name}@${version}`, { name, version }, () =>
    React.createElement(DatasetView, { settings, execute: execute(app), name, version })
  );
}

/** Open the view of the pipeline file `path` (relative to the server's root). */
export function openPipeline(app: JupyterFrontEnd, path: string, job: string | null = null): IViewWidget {
  const settings = app.serviceManager.serverSettings;
  const widget = open(app, 'pipeline', viewId('pipeline', path), `Pipeline ${path}`, { path }, () =>
    React.createElement(Followed, { app, path, job })
  );
  if (job) {
    followers.get(widget.id)?.(job);
  }
  void settings;
  return widget;
}

// A pipeline view already open follows a job started from the file browser.
const followers = new Map<string, (job: string) => void>();

function Followed(props: { app: JupyterFrontEnd; path: string; job: string | null }): JSX.Element {
  const [job, setJob] = React.useState<string | null>(props.job);
  const id = viewId('pipeline', props.path);
  React.useEffect(() => {
    followers.set(id, setJob);
    return () => {
      followers.delete(id);
    };
  }, []);
  return React.createElement(PipelineView, {
    settings: props.app.serviceManager.serverSettings,
    execute: execute(props.app),
    path: props.path,
    job,
    onJob: setJob,
    openNotebook: (path: string) => void props.app.commands.execute('docmanager:open', { path })
  });
}

async function newestVersion(app: JupyterFrontEnd, name: string, alias?: string): Promise<number> {
  const detail = await getModel(app.serviceManager.serverSettings, name);
  if (alias && detail.aliases[alias] !== undefined) {
    return detail.aliases[alias];
  }
  if (!detail.versions.length) {
    throw new Error(`${name} has no versions`);
  }
  return detail.versions[detail.versions.length - 1].version;
}

function isPipelineFile(path: string | undefined): boolean {
  return !!path && /\.ya?ml$/i.test(path) && /(^|\/|\.)pipeline\.ya?ml$/i.test(path);
}

/**
 * Create the views' trackers (restored on reload) and their commands; the file browser's
 * context menu gets "Open pipeline" and "Run pipeline" on pipeline.yaml files.
 */
export function registerDetailViews(app: JupyterFrontEnd, restorer: ILayoutRestorer | null): void {
  for (const kind of ['model', 'drift', 'dataset', 'pipeline'] as Kind[]) {
    const tracker = new WidgetTracker<IViewWidget>({ namespace: `jupyter-mlops-${kind}` });
    trackers.set(kind, tracker);
    if (restorer) {
      const command = {
        model: COMMANDS.openModel,
        drift: COMMANDS.openDrift,
        dataset: COMMANDS.openDataset,
        pipeline: COMMANDS.openPipeline
      }[kind];
      void restorer.restore(tracker, {
        command,
        args: widget => widget.mlopsArgs?.args ?? {},
        name: widget => widget.id
      });
    }
  }
  let browser: IDefaultFileBrowser | null = null;
  void app.resolveOptionalService(IDefaultFileBrowser).then(found => {
    browser = found;
  });
  const selectedPath = (): string | undefined => {
    const item = browser?.selectedItems().next();
    return item && !item.done ? item.value.path : undefined;
  };
  const pathOf = (args: Record<string, unknown>): string | undefined =>
    typeof args.path === 'string' && args.path ? args.path : selectedPath();

  app.commands.addCommand(COMMANDS.openModel, {
    label: args => (args.name ? `Open model ${args.name}` : 'MLOps: Open model version'),
    caption: 'Open a model version: metrics, signature, card, aliases, audit log and lineage',
    execute: async args => {
      const name = String(args.name ?? '');
      if (!name) {
        throw new Error('mlops:open-model needs {name, version}');
      }
      const version = Number(args.version) || (await newestVersion(app, name, args.alias as string | undefined));
      return openModelVersion(app, name, version);
    }
  });
  app.commands.addCommand(COMMANDS.openDrift, {
    label: 'MLOps: Open drift report',
    execute: args => {
      const id = String(args.id ?? '');
      if (!/^[0-9a-fA-F]{6,32}$/.test(id)) {
        throw new Error('mlops:open-drift needs {id}: the report id');
      }
      return openDriftReport(app, id);
    }
  });
  app.commands.addCommand(COMMANDS.openDataset, {
    label: 'MLOps: Open dataset version',
    execute: async args => {
      const name = String(args.name ?? '');
      if (!name) {
        throw new Error('mlops:open-dataset needs {name, version}');
      }
      let version = Number(args.version);
      if (!version) {
        // No version: the newest (its route lists every version number).
        const detail = await getDatasetVersion(app.serviceManager.serverSettings, name, 1).catch(() => null);
        version = detail ? Math.max(...detail.versions) : 1;
      }
      return openDataset(app, name, version);
    }
  });
  app.commands.addCommand(COMMANDS.openPipeline, {
    label: 'Open pipeline',
    caption: 'Show the pipeline as a graph with each step’s state',
    isVisible: args => isPipelineFile(pathOf(args)),
    execute: args => {
      const path = pathOf(args);
      if (!path) {
        throw new Error('mlops:open-pipeline needs {path}');
      }
      return openPipeline(app, path);
    }
  });
  app.commands.addCommand(COMMANDS.runPipeline, {
    label: 'Run pipeline',
    caption: 'Run the pipeline with the CLI’s runner and watch its steps',
    isVisible: args => isPipelineFile(pathOf(args)),
    execute: async args => {
      const path = pathOf(args);
      if (!path) {
        throw new Error('mlops:run-pipeline needs {path}');
      }
      const job = await startPipelineRun(app.serviceManager.serverSettings, path, args.force === true);
      return openPipeline(app, path, job.id);
    }
  });
  const selector = '.jp-DirListing-item[data-file-type]';
  app.contextMenu.addItem({ command: COMMANDS.openPipeline, selector, rank: 3 });
  app.contextMenu.addItem({ command: COMMANDS.runPipeline, selector, rank: 3.1 });
}
