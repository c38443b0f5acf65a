/**
 * The sidebar as a navigator, in jsdom against a fake server: a model version, a dataset
 * version, a drift report and a pipeline each open their main-area view through the model's
 * actions (the commands, in the lab), by a click or by Enter; and the Pipelines tab's logic.
 */
import * as React from 'react';
import { act } from 'react';

import { formatAgo, pipelineState, stepSummary } from '../components/PipelinesTab';
import { Sidebar } from '../components/Sidebar';
import { RunsModel } from '../model';
import { IPipelineJob } from '../views/types';
import { FakeServer, json, page } from './fakeServer';
import { mountEach, settle } from './mounted';

const mounted = mountEach();

function click(node: Element | null | undefined): void {
  if (!node) {
    throw new Error('nothing to click');
  }
  act(() => (node as HTMLElement).click());
}

function enter(node: Element | null): void {
  act(() => {
    (node as HTMLElement).focus();
    node!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  });
}

function tab(name: string): HTMLElement {
  return Array.from(mounted.container.querySelectorAll<HTMLElement>('[role=tab]')).find(
    node => node.textContent === name
  )!;
}

function button(scope: ParentNode, text: string): HTMLElement {
  const found = Array.from(scope.querySelectorAll<HTMLElement>('button')).find(
    node => node.textContent === text
  );
  if (!found) {
    throw new Error(`no button ${text}`);
  }
  return found;
}

const RUN = 'a'.repeat(24) + '12345678';

function version(v: number, aliases: string[] = []): Record<string, unknown> {
  return {
    name: 'churn',
    version: v,
    status: 'READY',
    flavor: 'sklearn',
    run_id: RUN,
    created_at: 1700000000,
    created_by: 'ana',
    description: null,
    metrics: { auc: 0.8 + v / 100 },
    params: {},
    datasets: ['customers@1'],
    aliases
  };
}

function job(path: string, state: IPipelineJob['state'], started: number): IPipelineJob {
  return {
    id: `job-${started}`,
    path,
    state,
    returncode: state === 'running' ? null : 0,
    started_at: started,
    run_id: null,
    status: null,
    error: null,
    output: '',
    steps: {}
  };
}

async function mount(server: FakeServer) {
  const model = new RunsModel(server.settings);
  const actions = {
    openRun: jest.fn(),
    compare: jest.fn(),
    openModel: jest.fn(),
    openDataset: jest.fn(),
    openDrift: jest.fn(),
    openPipeline: jest.fn()
  };
  model.actions = actions;
  server.answer(json(page([])), json({ experiments: [] }));
  await act(async () => mounted.root.render(<Sidebar model={model} />));
  await settle();
  return { model, actions };
}

describe('The sidebar navigator', () => {
  it('opens a model version, its run and its data by click and by Enter', async () => {
    const server = new FakeServer();
    const { model, actions } = await mount(server);
    server.answer(
      json({
        models: [
          {
            name: 'churn',
            description: null,
            tags: {},
            created_at: 0,
            updated_at: 0,
            created_by: 'ana',
            latest_version: 2,
            version_count: 2,
            aliases: { champion: 1 }
          }
        ]
      })
    );
    click(tab('Models'));
    await settle();
    server.answer(
      json({ name: 'churn', versions: [version(1, ['champion']), version(2)], aliases: { champion: 1 } })
    );
    click(button(mounted.container, 'churn'));
    await settle();
    const rows = mounted.container.querySelectorAll<HTMLElement>('.jp-mlops-version-row');
    expect(Array.from(rows).map(r => r.dataset.version)).toEqual(['2', '1']);
    expect(rows[0].tabIndex).toBe(0);
    // The sidebar keeps the list; the card, aliases and audit log live in the version's view.
    expect(mounted.container.querySelector('.jp-mlops-card-frame')).toBeNull();
    expect(mounted.container.querySelector('.jp-mlops-audit')).toBeNull();

    click(rows[0].querySelector('td'));
    expect(actions.openModel).toHaveBeenLastCalledWith('churn', 2);
    enter(rows[1]);
    expect(actions.openModel).toHaveBeenLastCalledWith('churn', 1);
    expect(actions.openModel).toHaveBeenCalledTimes(2);

    // A link inside the row opens its own item, not the version.
    click(button(rows[1], '12345678'));
    expect(actions.openRun).toHaveBeenCalledWith(RUN);
    click(button(rows[1], 'customers@1'));
    expect(actions.openDataset).toHaveBeenCalledWith('customers', 1);
    expect(actions.openModel).toHaveBeenCalledTimes(2);
    model.dispose();
  });

  it('opens a dataset version and a drift report', async () => {
    const server = new FakeServer();
    const { model, actions } = await mount(server);
    server.answer(
      json({
        datasets: [
          {
            name: 'customers',
            description: null,
            created_at: 0,
            updated_at: 0,
            latest_version: 2,
            version_count: 2,
            schema: null
          }
        ]
      })
    );
    click(tab('Data'));
    await settle();
    const dataVersion = (v: number): Record<string, unknown> => ({
      name: 'customers',
      version: v,
      ref: `customers@${v}`,
      kind: 'dataframe',
      digest: 'd',
      bytes: 100,
      created_at: 0,
      created_by: 'ana',
      rows: 10,
      files: null,
      columns: {},
      format: null,
      source: null,
      description: null,
      run_id: null,
      profile: null
    });
    server.answer(json({ name: 'customers', versions: [dataVersion(1), dataVersion(2)] }));
    click(button(mounted.container, 'customers'));
    await settle();
    const rows = mounted.container.querySelectorAll<HTMLElement>('.jp-mlops-data-version-row');
    expect(rows).toHaveLength(2);
    enter(rows[1]);
    expect(actions.openDataset).toHaveBeenCalledWith('customers', 1);

    server.answer(
      json({
        reports: [
          {
            id: 'abcdef0123456789',
            created_at: 0,
            reference: 'customers@1',
            current: 'customers@2',
            drifted: true,
            share: 0.5,
            drift_share: 0.3,
            method: 'auto',
            reference_rows: 10,
            current_rows: 10,
            results: [],
            name: 'weekly',
            model: null,
            run_id: null,
            details: {}
          }
        ]
      })
    );
    click(tab('Drift'));
    await settle();
    click(button(mounted.container, 'weekly'));
    expect(actions.openDrift).toHaveBeenCalledWith('abcdef0123456789');
    expect(mounted.container.querySelector('.jp-mlops-report')).toBeNull();
    model.dispose();
  });

  it('lists the pipelines with their last run and opens one', async () => {
    const server = new FakeServer();
    const { model, actions } = await mount(server);
    server.answer(
      json({ pipelines: [{ path: 'demo/pipeline.yaml' }, { path: 'bad.pipeline.yaml' }], jobs: [] }),
      json({
        path: 'demo/pipeline.yaml',
        name: 'demo',
        experiment: 'demo',
        params: {},
        steps: [
          { name: 'prepare', notebook: null, needs: [], inputs: [], outputs: [], params: {} },
          { name: 'train', notebook: null, needs: ['prepare'], inputs: [], outputs: [], params: {} }
        ],
        edges: [{ source: 'prepare', target: 'train' }],
        last_run: {
          run_id: RUN,
          status: 'FAILED',
          start_time: 1700000000,
          end_time: 1700000060,
          error: 'boom',
          steps: {
            prepare: { state: 'ran', run_id: RUN, notebook: null },
            train: { state: 'failed', run_id: RUN, notebook: null }
          }
        }
      }),
      json({ error: { type: 'BadRequest', message: 'missing.ipynb', status: 400 } }, 400)
    );
    click(tab('Pipelines'));
    await settle();
    const rows = mounted.container.querySelectorAll<HTMLElement>('.jp-mlops-pipeline-row');
    expect(Array.from(rows).map(r => r.dataset.item)).toEqual([
      'demo/pipeline.yaml',
      'bad.pipeline.yaml'
    ]);
    expect(server.requests.map(r => r.query.path).filter(Boolean)).toEqual([
      'demo/pipeline.yaml',
      'bad.pipeline.yaml'
    ]);
    expect(rows[0].dataset.state).toBe('failed');
    expect(rows[0].textContent).toContain('failed: 1 ran · 1 failed');
    expect(rows[0].textContent).toContain('demo · 2 steps');
    expect(rows[1].dataset.state).toBe('unknown');
    expect(rows[1].textContent).toContain('missing.ipynb');

    click(button(rows[0], 'demo/pipeline.yaml'));
    expect(actions.openPipeline).toHaveBeenLastCalledWith('demo/pipeline.yaml');
    enter(rows[1]);
    expect(actions.openPipeline).toHaveBeenLastCalledWith('bad.pipeline.yaml');
    expect(actions.openPipeline).toHaveBeenCalledTimes(2);
    model.dispose();
  });
});

describe('The Pipelines tab logic', () => {
  it('summarizes step states in run order', () => {
    expect(
      stepSummary({
        a: { state: 'skipped' },
        b: { state: 'ran' },
        c: { state: 'failed' },
        d: { state: 'ran' },
        e: { state: 'cached' }
      })
    ).toBe('2 ran · 1 cached · 1 failed · 1 skipped');
    expect(stepSummary({})).toBe('');
  });

  it('prefers a running job, then the last run, then the newest job', () => {
    const lastRun = {
      run_id: RUN,
      status: 'FINISHED',
      start_time: 100,
      end_time: 200,
      error: null,
      steps: { a: { state: 'cached' as const, run_id: null, notebook: null } }
    };
    const jobs = [
      job('p.yaml', 'finished', 50),
      job('p.yaml', 'running', 300),
      job('q.yaml', 'failed', 400)
    ];
    expect(pipelineState('p.yaml', jobs, lastRun)).toEqual({
      state: 'running',
      label: 'running now',
      started: 300
    });
    expect(pipelineState('p.yaml', jobs.slice(0, 1), lastRun)).toEqual({
      state: 'finished',
      label: 'finished: 1 cached',
      started: 100
    });
    // The graph has not answered yet: the newest job this server ran.
    expect(pipelineState('q.yaml', jobs, undefined).state).toBe('failed');
    expect(pipelineState('r.yaml', jobs, undefined)).toEqual({
      state: 'loading',
      label: '…',
      started: null
    });
    expect(pipelineState('r.yaml', jobs, null)).toEqual({
      state: 'never-run',
      label: 'never run',
      started: null
    });
    expect(pipelineState('r.yaml', [], null, 'bad yaml').label).toBe('cannot read it: bad yaml');
  });

  it('says how long ago a run started', () => {
    const now = 1_700_000_000;
    expect(formatAgo(null, now)).toBe('');
    expect(formatAgo(now - 5, now)).toBe('just now');
    expect(formatAgo(now - 600, now)).toBe('10 min ago');
    expect(formatAgo(now - 7200, now)).toBe('2 h ago');
    expect(formatAgo(now - 86400 * 3, now)).toBe('2023-11-11');
  });
});
