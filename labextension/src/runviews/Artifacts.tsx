/** The Run view's artifacts: a list and a preview by kind (image, plotly, table, notebook...). */
import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';

import { artifactUrl } from '../api';
import { getPreview } from './api';
import { Plot } from './Plot';
import { IPreview, IRunView } from './types';
import { VirtualTable } from './VirtualTable';

export interface IArtifactsProps {
  settings: ServerConnection.ISettings;
  view: IRunView;
}

export function Artifacts(props: IArtifactsProps): JSX.Element | null {
  const { run } = props.view;
  const [open, setOpen] = React.useState<string | null>(run.artifacts[0]?.path ?? null);
  if (!run.artifacts.length) {
    return null;
  }
  return (
    <section className="jp-mlops-artifacts-view">
      <h2>Artifacts ({run.artifacts.length})</h2>
      <div className="jp-mlops-artifact-split">
        <ul className="jp-mlops-artifact-list" role="listbox" aria-label="Artifacts">
          {run.artifacts.map(a => (
            <li key={a.path} role="option" aria-selected={open === a.path}>
              <button
                className={`jp-mlops-link${open === a.path ? ' jp-mod-current' : ''}`}
                onClick={() => setOpen(a.path)}
              >
                {a.path}
              </button>{' '}
              <span className="jp-mlops-muted">{formatSize(a.size)}</span>
            </li>
          ))}
        </ul>
        {open ? <Preview {...props} path={open} /> : null}
      </div>
    </section>
  );
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

function Preview(props: IArtifactsProps & { path: string }): JSX.Element {
  const [preview, setPreview] = React.useState<IPreview | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const id = props.view.run.id;
  React.useEffect(() => {
    setPreview(null);
    setError(null);
    getPreview(props.settings, id, props.path).then(setPreview, reason => setError(String(reason.message ?? reason)));
  }, [id, props.path]);
  const url = artifactUrl(props.settings, id, props.path);
  if (error) {
    return <div className="jp-mlops-error">{error}</div>;
  }
  if (!preview) {
    return <div className="jp-mlops-empty">Loading preview…</div>;
  }
  let body: React.ReactNode;
  switch (preview.kind) {
    case 'image':
      body = <ImagePreview url={url} settings={props.settings} path={props.path} />;
      break;
    case 'plotly':
      body = (
        <Plot
          data={preview.figure?.data ?? []}
          layout={{ ...(preview.figure?.layout ?? {}), height: 360 }}
          label={props.path}
        />
      );
      break;
    case 'table':
      body = (
        <VirtualTable
          label={`Head of ${props.path}`}
          columns={preview.columns ?? []}
          rows={(preview.rows ?? []).map(r => r.map(v => (v === null ? '' : String(v))))}
        />
      );
      break;
    case 'html':
      // Sandboxed: an artifact's HTML never runs script in the lab's origin.
      body = <iframe className="jp-mlops-html" sandbox="" srcDoc={preview.text} title={props.path} />;
      break;
    case 'notebook':
      body = (
        <div className="jp-mlops-nb">
          {(preview.cells ?? []).map((c, i) => (
            <div key={i} className={`jp-mlops-nb-cell jp-mlops-nb-${c.type}`}>
              <pre className="jp-mlops-source">{c.source}</pre>
              {c.outputs.map((o, j) => (
                <pre key={j} className="jp-mlops-nb-output">
                  {o}
                </pre>
              ))}
            </div>
          ))}
        </div>
      );
      break;
    case 'text':
      body = (
        <pre className="jp-mlops-source">
          {preview.text}
          {preview.truncated ? '\n…' : ''}
        </pre>
      );
      break;
    default:
      body = <div className="jp-mlops-muted">No preview for this file type.</div>;
  }
  return (
    <div className="jp-mlops-preview" data-kind={preview.kind}>
      <div className="jp-mlops-preview-head">
        <strong>{props.path}</strong>{' '}
        <a href={url} target="_blank" rel="noreferrer" download>
          download
        </a>
      </div>
      {body}
    </div>
  );
}

/** An image artifact fetched with the lab's auth (an <img src> would carry no token). */
function ImagePreview(props: { url: string; settings: ServerConnection.ISettings; path: string }): JSX.Element {
  const [src, setSrc] = React.useState<string | null>(null);
  React.useEffect(() => {
    let objectUrl: string | null = null;
    void ServerConnection.makeRequest(props.url, {}, props.settings)
      .then(r => r.blob())
      .then(blob => {
        objectUrl = URL.createObjectURL(blob);
        setSrc(objectUrl);
      });
    return () => {
      if (objectUrl) {
        URL.revokeObjectURL(objectUrl);
      }
    };
  }, [props.url]);
  return src ? <img className="jp-mlops-image" src={src} alt={props.path} /> : <div className="jp-mlops-empty">Loading image…</div>;
}
