/**
 * hooks.ts in jsdom: useModel follows any LoadModel, useLoad keeps one LoadModel per key
 * (disposed on a new key and on unmount), and the sidebar's list models outlive their tabs so
 * that a refresh from outside (a command) shows in the open tab.
 */
import * as React from 'react';
import { act } from 'react';

import { ListModels, Sidebar } from '../components/Sidebar';
import { useLoad, useModel, useShownModel } from '../hooks';
import { LoadModel } from '../loadmodel';
import { RunsModel } from '../model';
import { Deferred, FakeServer, json, page } from './fakeServer';
import { mountEach, settle } from './mounted';
import { Probe } from './probe';

const mounted = mountEach();

function text(): string {
  return mounted.container.textContent ?? '';
}

function Follow(props: { model: LoadModel<string> }): JSX.Element {
  const model = useModel(props.model);
  return <div>{`${model.loading ? 'loading ' : ''}${model.value ?? ''}`}</div>;
}

describe('useModel', () => {
  it('re-renders on each change, also one emitted before it subscribed', async () => {
    const pending = new Deferred();
    const model = new LoadModel<string>({ fetch: () => pending.promise.then(r => r.text()) });
    // The refresh starts (and signals loading) before the component subscribes.
    void model.refresh();
    await act(async () => mounted.root.render(<Follow model={model} />));
    expect(text()).toBe('loading ');
    pending.resolve(new Response('A'));
    await settle();
    expect(text()).toBe('A');
    model.dispose();
  });
});

describe('useLoad on LoadModel', () => {
  it('keeps the value while a reload is under way', async () => {
    const answers = ['A', new Deferred()] as const;
    let calls = 0;
    const fetch = (): Promise<string> => {
      const answer = answers[calls++];
      return typeof answer === 'string' ? Promise.resolve(answer) : answer.promise.then(r => r.text());
    };
    await act(async () => mounted.root.render(<Probe fetch={fetch} id="a" />));
    await settle();
    act(() => mounted.container.querySelector('button')!.click());
    await settle();
    expect(text()).toBe('loading Areload');
    (answers[1] as Deferred).resolve(new Response('A2'));
    await settle();
    expect(text()).toBe('A2reload');
  });

  it("reads again on a new key, and drops the old key's late failure", async () => {
    const first = new Deferred();
    const keys: string[] = [];
    const fetchFor =
      (id: string, answer: () => Promise<string>) =>
      (): Promise<string> => {
        keys.push(id);
        return answer();
      };
    await act(async () =>
      mounted.root.render(
        <Probe fetch={fetchFor('a', () => first.promise.then(() => Promise.reject(new Error('late'))))} id="a" />
      )
    );
    await act(async () =>
      mounted.root.render(<Probe fetch={fetchFor('b', async () => 'B')} id="b" />)
    );
    await settle();
    first.resolve(new Response(''));
    await settle();
    expect(keys).toEqual(['a', 'b']);
    expect(text()).toBe('Breload');
  });

  it('reloads with the newest fetch its caller gave', async () => {
    await act(async () => mounted.root.render(<Probe fetch={async () => 'old'} id="a" />));
    await settle();
    await act(async () => mounted.root.render(<Probe fetch={async () => 'new'} id="a" />));
    await settle();
    expect(text()).toBe('oldreload'); // the same key does not read again by itself
    act(() => mounted.container.querySelector('button')!.click());
    await settle();
    expect(text()).toBe('newreload');
  });
});

function Shown(props: { model: LoadModel<string> }): JSX.Element {
  const load = useShownModel(props.model);
  return <div>{`${load.loading ? 'loading ' : ''}${load.value ?? ''}`}</div>;
}

describe('useShownModel', () => {
  it('reads each time it is shown, keeping the last value meanwhile', async () => {
    const later = new Deferred();
    const answers: (() => Promise<string>)[] = [
      async () => 'first',
      () => later.promise.then(r => r.text())
    ];
    const model = new LoadModel<string>({ fetch: () => answers.shift()!() });
    await act(async () => mounted.root.render(<Shown model={model} />));
    await settle();
    expect(text()).toBe('first');
    await act(async () => mounted.root.render(<div />));
    await act(async () => mounted.root.render(<Shown model={model} />));
    expect(text()).toBe('loading first');
    later.resolve(new Response('second'));
    await settle();
    expect(text()).toBe('second');
    expect(model.isDisposed).toBe(false); // the tab does not own its model
    model.dispose();
  });
});

describe('The sidebar with its list models', () => {
  it('shows a refresh of the open tab made from outside', async () => {
    const server = new FakeServer().answer(json(page([])), json({ experiments: [] }));
    const model = new RunsModel(server.settings);
    const lists = new ListModels(server.settings);
    await act(async () => mounted.root.render(<Sidebar model={model} lists={lists} />));
    await settle();

    // Nothing was shown yet: refreshing the lists asks for none of them.
    const before = server.requests.length;
    await act(() => lists.refresh());
    expect(server.requests.length).toBe(before);

    server.answer(json({ models: [] }));
    const models = Array.from(mounted.container.querySelectorAll<HTMLElement>('[role=tab]')).find(
      node => node.textContent === 'Models'
    )!;
    act(() => models.click());
    await settle();
    expect(text()).toContain('No registered models yet');

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
            latest_version: 1,
            version_count: 1,
            aliases: {}
          }
        ]
      })
    );
    await act(() => lists.refresh());
    await settle();
    expect(server.last.path).toMatch(/\/jupyter-mlops\/api\/models$/);
    expect(mounted.container.querySelector('.jp-mlops-model-row')?.getAttribute('data-item')).toBe(
      'churn'
    );

    // The tab's own refresh button refreshes the same model.
    server.answer(json({ models: [] }));
    act(() => mounted.container.querySelector<HTMLElement>('.jp-mlops-refresh')!.click());
    await settle();
    expect(lists.models.value).toEqual([]);
    expect(text()).toContain('No registered models yet');
    lists.dispose();
    model.dispose();
  });
});

function Polled(props: { fetch: () => Promise<string> }): JSX.Element {
  const load = useLoad(props.fetch, 'run', { pollWhile: v => v === 'RUNNING', pollMs: 250 });
  return <div>{load.value ?? ''}</div>;
}

describe('useLoad with poll (the Run and Sweep views)', () => {
  it('reads again while pollWhile holds for the value, then stops', async () => {
    const answers = ['RUNNING', 'RUNNING', 'FINISHED'];
    let calls = 0;
    const fetch = async (): Promise<string> => answers[Math.min(calls++, answers.length - 1)];
    const wait = (ms: number): Promise<void> =>
      act(async () => {
        await new Promise(resolve => setTimeout(resolve, ms));
      });
    await act(async () => mounted.root.render(<Polled fetch={fetch} />));
    await settle();
    expect(text()).toBe('RUNNING');
    await wait(800);
    expect(text()).toBe('FINISHED');
    const reads = calls;
    await wait(600);
    expect(calls).toBe(reads);
  });
});
