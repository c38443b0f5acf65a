/**
 * The Run and Compare main-area views: one MainAreaWidget per run or set of runs, tracked so
 * JupyterLab restores them on reload, opened by commands listed under "MLOps".
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, MainAreaWidget, ReactWidget, WidgetTracker } from '@jupyterlab/apputils';
import * as React from 'react';

import { shortId } from '../model';
import { CompareView } from './CompareView';
import { compareProblem, compareViewId, runViewId } from './logic';
import { RunView } from './RunView';

export const RUN_COMMANDS = {
  openRun: 'mlops:open-run',
  compare: 'mlops:compare-runs'
} as const;

export interface IRunViewsOptions {
  /** The poll interval of a running run's view, read when a view opens. */
  pollMs: () => number;
  /** The runs ticked in the Runs list (the compare command's default). */
  selected: () => string[];
  /** Open a model version (H-E2's view when present). */
  openModel: (name: string, version: number) => void;
}

/** What opens a view again after a reload (kept by the layout restorer). */
type ViewArgs = { id?: string; ids?: string[] };

interface IRunWidget extends MainAreaWidget<ReactWidget> {
  mlopsArgs?: ViewArgs;
}

const RUN_ID = /^[0-9a-fA-F]{6,32}$/;

/** Move focus back where it was when the view opened (the list row), once the view closes. */
function returnFocus(widget: IRunWidget): void {
  const before = document.activeElement as HTMLElement | null;
  widget.disposed.connect(() => {
    const row = before?.closest('[data-run-id]') as HTMLElement | null;
    const target =
      before && document.contains(before)
        ? before
        : row?.dataset.runId
          ? (document.querySelector(`.jp-mlops-run-row[data-run-id="${row.dataset.runId}"]`) as HTMLElement | null)
          : null;
    target?.focus();
  });
}

export function registerRunViews(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  options: IRunViewsOptions
): { openRun: (id: string) => void; compare: (ids: string[]) => void } {
  const runs = new WidgetTracker<IRunWidget>({ namespace: 'jupyter-mlops-run' });
  const compares = new WidgetTracker<IRunWidget>({ namespace: 'jupyter-mlops-compare' });
  const settings = app.serviceManager.serverSettings;

  const show = (tracker: WidgetTracker<IRunWidget>, id: string, make: () => IRunWidget): IRunWidget => {
    const existing = tracker.find(w => w.id === id);
    if (existing) {
      app.shell.activateById(existing.id);
      return existing;
    }
    const widget = make();
    widget.id = id;
    widget.title.closable = true;
    widget.addClass('jp-mlops-main-view');
    returnFocus(widget);
    app.shell.add(widget, 'main');
    void tracker.add(widget);
    app.shell.activateById(widget.id);
    return widget;
  };

  const openRun = (id: string): IRunWidget =>
    show(runs, runViewId(id), () => {
      const content = ReactWidget.create(
        <RunView
          settings={settings}
          id={id}
          pollMs={options.pollMs()}
          openRun={runId => void app.commands.execute(RUN_COMMANDS.openRun, { id: runId })}
          openModel={options.openModel}
          openNotebook={path => void app.commands.execute('docmanager:open', { path })}
          compare={ids => void app.commands.execute(RUN_COMMANDS.compare, { ids })}
          openSweep={sweepId => void app.commands.execute('mlops:open-sweep', { id: sweepId })}
        />
      );
      content.addClass('jp-mlops-view-content');
      const widget: IRunWidget = new MainAreaWidget({ content });
      widget.title.label = `Run ${shortId(id)}`;
      widget.title.caption = `Run ${id}`;
      widget.mlopsArgs = { id };
      return widget;
    });

  const compare = (ids: string[]): IRunWidget =>
    show(compares, compareViewId(ids), () => {
      const content = ReactWidget.create(
        <CompareView
          settings={settings}
          ids={ids}
          openRun={runId => void app.commands.execute(RUN_COMMANDS.openRun, { id: runId })}
        />
      );
      content.addClass('jp-mlops-view-content');
      const widget: IRunWidget = new MainAreaWidget({ content });
      widget.title.label = `Compare ${ids.length} runs`;
      widget.title.caption = ids.join(', ');
      widget.mlopsArgs = { ids };
      return widget;
    });

  app.commands.addCommand(RUN_COMMANDS.openRun, {
    label: args => (args.id ? `Open run ${shortId(String(args.id))}` : 'Open run by id…'),
    caption: 'Open a run: overview, params, metric charts, artifacts and source',
    execute: async args => {
      let id = String(args.id ?? '');
      if (!id) {
        // From the palette: ask for the id (the Runs list's short id works too).
        const answer = await InputDialog.getText({ title: 'Open run', placeholder: 'run id' });
        id = (answer.value ?? '').trim();
        if (!answer.button.accept || !id) {
          return undefined;
        }
      }
      if (!RUN_ID.test(id)) {
        throw new Error(`mlops:open-run needs {id}: a run id of hex digits, not '${id}'`);
      }
      const widget = openRun(id);
      // The title shows the run's name once it is known.
      void import('../api').then(api =>
        api.getRun(settings, id).then(
          run => {
            widget.title.label = run.name;
            widget.title.caption = `Run ${run.name} (${run.id})`;
          },
          () => undefined
        )
      );
      return widget;
    }
  });
  app.commands.addCommand(RUN_COMMANDS.compare, {
    label: 'Compare selected runs',
    caption: 'Compare 2 to 20 runs ticked in the Runs list',
    isEnabled: args => Array.isArray(args.ids) || compareProblem(options.selected()) === null,
    execute: args => {
      const ids = Array.isArray(args.ids) ? (args.ids as string[]).map(String) : options.selected();
      const problem = compareProblem(ids);
      if (problem) {
        throw new Error(problem);
      }
      return compare(Array.from(new Set(ids)));
    }
  });
  if (restorer) {
    void restorer.restore(runs, {
      command: RUN_COMMANDS.openRun,
      args: w => w.mlopsArgs ?? {},
      name: w => w.id
    });
    void restorer.restore(compares, {
      command: RUN_COMMANDS.compare,
      args: w => w.mlopsArgs ?? {},
      name: w => w.id
    });
  }
  return { openRun: id => void openRun(id), compare: ids => void compare(ids) };
}
