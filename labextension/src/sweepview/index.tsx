/**
 * The Sweep view: one MainAreaWidget per sweep, tracked so JupyterLab restores it on reload,
 * opened by `mlops:open-sweep` (listed under "MLOps") and by the Run view's "Open sweep".
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  ReactWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import * as React from 'react';

import { shortId } from '../model';
import { sweepViewId } from './logic';
import { SweepView } from './SweepView';

export const SWEEP_COMMANDS = {
  openSweep: 'mlops:open-sweep'
} as const;

export interface ISweepViewOptions {
  /** The poll interval of a running sweep's view, read when a view opens. */
  pollMs: () => number;
}

interface ISweepWidget extends MainAreaWidget<ReactWidget> {
  mlopsArgs?: { id: string };
}

const RUN_ID = /^[0-9a-fA-F]{6,32}$/;

export function registerSweepView(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null,
  options: ISweepViewOptions
): { openSweep: (id: string) => void } {
  const tracker = new WidgetTracker<ISweepWidget>({ namespace: 'jupyter-mlops-sweep' });
  const settings = app.serviceManager.serverSettings;

  const openSweep = (id: string): ISweepWidget => {
    const existing = tracker.find(w => w.mlopsArgs?.id === id);
    if (existing) {
      app.shell.activateById(existing.id);
      return existing;
    }
    let widget: ISweepWidget | null = null;
    const content = ReactWidget.create(
      <SweepView
        settings={settings}
        id={id}
        pollMs={options.pollMs()}
        openRun={runId => void app.commands.execute('mlops:open-run', { id: runId })}
        onLoaded={view => {
          if (widget) {
            widget.title.label = `Sweep ${view.sweep.name}`;
            widget.title.caption = `Sweep ${view.sweep.name} (${view.sweep.id})`;
          }
        }}
      />
    );
    content.addClass('jp-mlops-view-content');
    widget = new MainAreaWidget({ content }) as ISweepWidget;
    widget.id = sweepViewId(id);
    widget.title.label = `Sweep ${shortId(id)}`;
    widget.title.caption = `Sweep ${id}`;
    widget.title.closable = true;
    widget.addClass('jp-mlops-main-view');
    widget.mlopsArgs = { id };
    app.shell.add(widget, 'main');
    void tracker.add(widget);
    app.shell.activateById(widget.id);
    return widget;
  };

  app.commands.addCommand(SWEEP_COMMANDS.openSweep, {
    label: args => (args.id ? `Open sweep ${shortId(String(args.id))}` : 'Open sweep by run id…'),
    caption: "Open a sweep: its best trial, trials by state, history and params' effect",
    execute: async args => {
      let id = String(args.id ?? '');
      if (!id) {
        const answer = await InputDialog.getText({ title: 'Open sweep', placeholder: "the sweep's run id" });
        id = (answer.value ?? '').trim();
        if (!answer.button.accept || !id) {
          return undefined;
        }
      }
      if (!RUN_ID.test(id)) {
        throw new Error(`mlops:open-sweep needs {id}: a sweep run's id of hex digits, not '${id}'`);
      }
      return openSweep(id);
    }
  });
  if (palette) {
    palette.addItem({ command: SWEEP_COMMANDS.openSweep, category: 'MLOps' });
  }
  if (restorer) {
    void restorer.restore(tracker, {
      command: SWEEP_COMMANDS.openSweep,
      args: w => w.mlopsArgs ?? {},
      name: w => w.id
    });
  }
  return { openSweep: id => void openSweep(id) };
}
