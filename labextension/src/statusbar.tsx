/**
 * The status-bar item: the run the current notebook tracks (its newest run, by the notebook's
 * path), with its status; a click opens its Run view.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ReactWidget } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { listRuns } from './api';
import { notebookRunFilter, statusText } from './runviews/logic';
import { IRunSummary } from './tokens';

interface IHasPath {
  context: { path: string };
}

function notebookPath(widget: Widget | null): string | null {
  const context = (widget as unknown as Partial<IHasPath> | null)?.context;
  const path = typeof context?.path === 'string' ? context.path : null;
  return path && path.endsWith('.ipynb') ? path : null;
}

export interface IRunStatusOptions {
  settings: ServerConnection.ISettings;
  pollMs: () => number;
  openRun: (id: string) => void;
}

/** The item's widget and whether it has something to show (the status bar hides it if not). */
export function createRunStatus(
  app: JupyterFrontEnd,
  options: IRunStatusOptions
): { widget: Widget; isActive: () => boolean; activeStateChanged: ISignal<unknown, void> } {
  const changed = new Signal<unknown, void>({});
  let run: IRunSummary | null = null;
  let path: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ticket = 0;
  const update = async (): Promise<void> => {
    const mine = ++ticket;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const filter = path ? notebookRunFilter(path) : null;
    let found: IRunSummary | null = null;
    if (filter) {
      try {
        const page = await listRuns(options.settings, {
          filter,
          orderBy: 'start_time DESC',
          limit: 1,
          offset: 0
        });
        found = page.runs[0] ?? null;
      } catch {
        found = null;
      }
    }
    if (mine !== ticket) {
      return;
    }
    const was = run;
    run = found;
    item.setRun(run);
    if ((was === null) !== (run === null)) {
      changed.emit();
    }
    if (path) {
      // A hidden browser tab checks ten times less often: nobody reads the status bar then.
      const delay = options.pollMs() * (document.hidden ? 10 : 1);
      timer = setTimeout(() => void update(), delay);
    }
  };
  const item = new RunStatusWidget(options.openRun);
  const follow = (): void => {
    path = notebookPath(app.shell.currentWidget);
    void update();
  };
  const shell = app.shell as unknown as { currentChanged?: { connect: (f: () => void) => void } };
  shell.currentChanged?.connect(follow);
  follow();
  return { widget: item, isActive: () => run !== null, activeStateChanged: changed };
}

/** The item itself: a button with the run's name and status, or nothing. */
class RunStatusWidget extends ReactWidget {
  constructor(private readonly _open: (id: string) => void) {
    super();
    this.addClass('jp-mlops-status-widget');
  }

  setRun(run: IRunSummary | null): void {
    this._run = run;
    this.update();
  }

  protected render(): JSX.Element {
    const run = this._run;
    if (!run) {
      return <span />;
    }
    return (
      <button
        className="jp-mlops-status-item"
        title={`Open run ${run.id}`}
        data-run-id={run.id}
        onClick={() => this._open(run.id)}
      >
        {statusText(run)}
      </button>
    );
  }

  private _run: IRunSummary | null = null;
}
