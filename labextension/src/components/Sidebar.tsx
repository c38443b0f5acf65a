import * as React from 'react';

import { RunsModel } from '../model';
import { RunDetail } from './RunDetail';
import { RunsTable } from './RunsTable';

export interface ISidebarProps {
  model: RunsModel;
  onOpenNotebook: (path: string) => void;
}

/** The sidebar: a heading, the missing-extension notice, and the runs table or run detail. */
export function Sidebar(props: ISidebarProps): JSX.Element {
  const { model } = props;
  const [detail, setDetail] = React.useState<string[] | null>(null);
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
  return (
    <div className="jp-mlops-panel-body">
      <h2 className="jp-mlops-title">Runs</h2>
      {detail ? (
        <RunDetail
          settings={model.settings}
          ids={detail}
          onBack={() => setDetail(null)}
          onOpenNotebook={props.onOpenNotebook}
        />
      ) : (
        <RunsTable model={model} onOpen={id => setDetail([id])} onCompare={ids => setDetail(ids)} />
      )}
    </div>
  );
}
