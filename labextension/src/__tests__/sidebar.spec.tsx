/**
 * The sidebar's React logic in jsdom against a fake server: the tab strip's keyboard
 * behaviour, each tab lighting up with its data, and useLoad dropping superseded answers.
 */
import * as React from 'react';
import { act } from 'react';

import { Sidebar } from '../components/Sidebar';
import { RunsModel } from '../model';
import { Deferred, FakeServer, json, page } from './fakeServer';
import { mountEach, settle } from './mounted';
import { Probe } from './probe';

const mounted = mountEach();

function tab(name: string): HTMLElement {
  const found = Array.from(mounted.container.querySelectorAll<HTMLElement>('[role=tab]')).find(
    node => node.textContent === name
  );
  if (!found) {
    throw new Error(`no tab ${name}`);
  }
  return found;
}

function press(key: string): void {
  const event = new KeyboardEvent('keydown', { key, bubbles: true });
  act(() => {
    document.activeElement!.dispatchEvent(event);
  });
}

describe('Sidebar tabs', () => {
  it('move with the arrow keys, Home and End, and load each tab when shown', async () => {
    const server = new FakeServer().answer(
      json(page([])),
      json({ experiments: [{ id: 1, name: 'churn', created_at: 0, run_count: 0 }] })
    );
    const model = new RunsModel(server.settings);
    await act(async () => mounted.root.render(<Sidebar model={model} />));
    await settle();
    expect(tab('Runs').getAttribute('aria-selected')).toBe('true');
    expect(mounted.container.textContent).toContain('No runs yet');
    expect(mounted.container.textContent).toContain('churn (0)');

    server.answer(json({ models: [] }));
    act(() => tab('Runs').focus());
    press('ArrowRight');
    await settle();
    expect(tab('Models').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(tab('Models'));
    expect(tab('Runs').tabIndex).toBe(-1);
    expect(server.last.path).toMatch(/\/jupyter-mlops\/api\/models$/);
    expect(mounted.container.textContent).toContain('No registered models yet');

    server.answer(json({ pipelines: [], jobs: [] }));
    press('End');
    await settle();
    expect(tab('Pipelines').getAttribute('aria-selected')).toBe('true');
    expect(server.last.path).toMatch(/\/jupyter-mlops\/api\/pipelines$/);
    expect(mounted.container.textContent).toContain('No pipelines under this folder yet');
    expect(mounted.container.textContent).toContain('jupyter mlops pipeline run pipeline.yaml');

    press('ArrowRight'); // wraps around to Runs, whose table is already loaded
    expect(tab('Runs').getAttribute('aria-selected')).toBe('true');

    // Left from Runs wraps to Pipelines (which loads its list again), then Drift, then Data.
    server.answer(json({ pipelines: [], jobs: [] }), json({ reports: [] }), json({ datasets: [] }));
    press('ArrowLeft');
    await settle();
    expect(tab('Pipelines').getAttribute('aria-selected')).toBe('true');
    press('ArrowLeft');
    await settle();
    expect(tab('Drift').getAttribute('aria-selected')).toBe('true');
    expect(mounted.container.textContent).toContain('No saved drift reports yet');
    press('ArrowLeft');
    await settle();
    expect(tab('Data').getAttribute('aria-selected')).toBe('true');
    expect(mounted.container.textContent).toContain('No data versions yet');
    model.dispose();
  });

  it('say how to enable the server extension when it is missing', async () => {
    const server = new FakeServer().answer(
      new Response('<html>404</html>', { status: 404, statusText: 'Not Found' })
    );
    const model = new RunsModel(server.settings);
    await act(async () => mounted.root.render(<Sidebar model={model} />));
    await settle();
    expect(mounted.container.querySelector('.jp-mlops-missing')?.textContent).toContain(
      'jupyter server extension enable jupyter_mlops'
    );
    expect(mounted.container.querySelector('[role=tablist]')).toBeNull();
    model.dispose();
  });
});

describe('useLoad', () => {
  it('drops the answer for an older key that arrives last', async () => {
    const first = new Deferred();
    const second = new Deferred();
    const fetchA = (): Promise<string> => first.promise.then(r => r.text());
    const fetchB = (): Promise<string> => second.promise.then(r => r.text());
    await act(async () => mounted.root.render(<Probe fetch={fetchA} id="a" />));
    await act(async () => mounted.root.render(<Probe fetch={fetchB} id="b" />));
    second.resolve(new Response('B'));
    await settle();
    first.resolve(new Response('A'));
    await settle();
    expect(mounted.container.textContent).toBe('Breload');
  });

  it('shows nothing of the previous key while a new one loads', async () => {
    const pending = new Deferred();
    await act(async () => mounted.root.render(<Probe fetch={async () => 'A'} id="a" />));
    await settle();
    expect(mounted.container.textContent).toBe('Areload');
    await act(async () =>
      mounted.root.render(<Probe fetch={() => pending.promise.then(r => r.text())} id="b" />)
    );
    expect(mounted.container.textContent).toBe('loading reload');
  });

  it('keeps the value on a failed reload and shows the error', async () => {
    let calls = 0;
    const fetch = async (): Promise<string> => {
      calls += 1;
      if (calls > 1) {
        throw new Error('offline');
      }
      return 'A';
    };
    await act(async () => mounted.root.render(<Probe fetch={fetch} id="a" />));
    await settle();
    act(() => mounted.container.querySelector('button')!.click());
    await settle();
    expect(calls).toBe(2);
    expect(mounted.container.textContent).toBe('Aerror: offlinereload');
  });
});
