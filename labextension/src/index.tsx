import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ReactWidget } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { aliasMoved } from './components/AliasDialog';
import { ListModels, Sidebar } from './components/Sidebar';
import { RunsModel } from './model';
import { preloadPlotly } from './plotly';
import { registerRunViews, RUN_COMMANDS } from './runviews';
import { DEFAULT_SETTINGS, IMlopsSettings, PLUGIN_ID, readSettings } from './settings';
import { createRunStatus } from './statusbar';
import { registerSweepView } from './sweepview';
import { COMMANDS, registerDetailViews } from './views';

const iconSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M3 3h4v18H3zM10 9h4v12h-4zM17 13h4v8h-4z"/></svg>';

export const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:icon', svgstr: iconSvg });

export const SIDEBAR_COMMANDS = {
  openRuns: 'mlops:open-runs',
  refresh: 'mlops:refresh'
} as const;

const CATEGORY = 'MLOps';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Runs, models, data versions and drift of the jupyter-mlops workspace.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry, ICommandPalette, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null
  ) => {
    const model = new RunsModel(app.serviceManager.serverSettings);
    // The other tabs' lists, made here too so that commands can refresh them.
    const lists = new ListModels(app.serviceManager.serverSettings);
    let current: IMlopsSettings = DEFAULT_SETTINGS;
    const panel = ReactWidget.create(<Sidebar model={model} lists={lists} />);
    panel.id = 'jupyter-mlops-sidebar';
    panel.addClass('jp-mlops-panel');
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps: runs, models, data and drift';
    // Live only while the panel is on screen: a collapsed sidebar polls only for RUNNING runs.
    const shown = new IntersectionObserver(entries =>
      model.setLive(entries.some(entry => entry.isIntersecting))
    );
    shown.observe(panel.node);
    panel.disposed.connect(() => {
      shown.disconnect();
      model.dispose();
      aliasMoved.disconnect(onAliasMoved);
      lists.dispose();
    });
    app.shell.add(panel, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
    registerDetailViews(app, restorer);
    registerRunViews(app, restorer, {
      pollMs: () => current.pollInterval,
      selected: () => Array.from(model.selected),
      openModel: (name, version) => void app.commands.execute(COMMANDS.openModel, { name, version })
    });
    registerSweepView(app, restorer, palette, { pollMs: () => current.pollInterval });
    // The first Run or Compare view would otherwise fetch and evaluate plotly.js on its first
    // chart; the basic bundle loads instead in idle time once the lab has restored.
    void app.restored.then(preloadPlotly);
    model.actions = {
      openRun: id => void app.commands.execute(RUN_COMMANDS.openRun, { id }),
      compare: ids => void app.commands.execute(RUN_COMMANDS.compare, { ids }),
      openModel: (name, version) => void app.commands.execute(COMMANDS.openModel, { name, version }),
      openDataset: (name, version) =>
        void app.commands.execute(COMMANDS.openDataset, { name, version }),
      openDrift: id => void app.commands.execute(COMMANDS.openDrift, { id }),
      openPipeline: path => void app.commands.execute(COMMANDS.openPipeline, { path })
    };

    app.commands.addCommand(SIDEBAR_COMMANDS.openRuns, {
      label: 'Open runs',
      caption: 'Show the Runs list in the MLOps sidebar',
      execute: () => {
        app.shell.activateById(panel.id);
        void model.refresh();
      }
    });
    app.commands.addCommand(SIDEBAR_COMMANDS.refresh, {
      label: 'Refresh runs',
      // Palette items show their caption, and the browser tests find items by text: no other
      // command's label ("Open runs", ...) may appear in it.
      caption:
        'Read the runs, and the model, data, drift and pipeline lists read before, again now ' +
        '(the shown list also refreshes by itself)',
      execute: async () => {
        await Promise.all([model.refresh(), lists.refresh()]);
      }
    });
    // An alias moved in a version's view shows in the Models list without a click.
    const onAliasMoved = (): void => {
      if (lists.models.generation > 0) {
        void lists.models.refresh(); // a list never shown reads when it is first shown
      }
    };
    aliasMoved.connect(onAliasMoved);
    // A pipeline started from the file browser shows in the Pipelines tab without a click.
    app.commands.commandExecuted.connect((_, executed) => {
      if (executed.id === COMMANDS.runPipeline) {
        void executed.result.then(
          () => lists.pipelines.refresh(),
          () => undefined
        );
      }
    });
    if (palette) {
      for (const command of [
        SIDEBAR_COMMANDS.openRuns,
        RUN_COMMANDS.openRun,
        RUN_COMMANDS.compare,
        SIDEBAR_COMMANDS.refresh
      ]) {
        palette.addItem({ command, category: CATEGORY });
      }
    }

    if (registry) {
      const apply = (settings: ISettingRegistry.ISettings): void => {
        const before = current;
        current = readSettings(settings.composite as Record<string, unknown>);
        model.setPollMs(current.pollInterval);
        model.setColumns(current.columns);
        if (current.defaultExperiment !== before.defaultExperiment) {
          void model.setQuery({ experiment: current.defaultExperiment });
        }
      };
      void registry.load(PLUGIN_ID).then(
        settings => {
          apply(settings);
          settings.changed.connect(apply);
          // A column choice made in the list is kept in the settings, so it survives reloads.
          model.columnsChosen.connect((_, columns) => {
            void settings.set('columns', columns);
          });
        },
        reason => console.warn('jupyter-mlops: settings not loaded', reason)
      );
    }

    if (statusBar) {
      const status = createRunStatus(app, {
        settings: app.serviceManager.serverSettings,
        pollMs: () => current.pollInterval,
        openRun: id => void app.commands.execute(RUN_COMMANDS.openRun, { id })
      });
      statusBar.registerStatusItem('jupyter-mlops:run-status', {
        item: status.widget,
        align: 'left',
        rank: 5,
        isActive: status.isActive,
        activeStateChanged: status.activeStateChanged
      });
    }
  }
};

export default plugin;
