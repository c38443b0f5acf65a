import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ReactWidget } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Sidebar } from './components/Sidebar';
import { RunsModel } from './model';

const iconSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<path class="jp-icon3" fill="#616161" d="M3 3h4v18H3zM10 9h4v12h-4zM17 13h4v8h-4z"/></svg>';

export const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:icon', svgstr: iconSvg });

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:sidebar',
  description: 'Runs, models, data versions and drift of the jupyter-mlops workspace.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null) => {
    const model = new RunsModel(app.serviceManager.serverSettings);
    const openNotebook = (path: string): void => {
      void app.commands.execute('docmanager:open', { path });
    };
    const panel = ReactWidget.create(<Sidebar model={model} onOpenNotebook={openNotebook} />);
    panel.id = 'jupyter-mlops-sidebar';
    panel.addClass('jp-mlops-panel');
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps: runs, models, data and drift';
    panel.disposed.connect(() => model.dispose());
    app.shell.add(panel, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
  }
};

export default plugin;
