/**
 * The Models, Data and Drift calls of api.ts against a fake server.
 */
import {
  ApiError,
  diffDataset,
  getAudit,
  getCard,
  getDataset,
  getDriftReport,
  getModel,
  listDatasets,
  listDriftReports,
  listModels,
  moveAlias
} from '../api';
import { apiError, FakeServer, json } from './fakeServer';

const API = '/lab-base/jupyter-mlops/api';

describe('the model registry calls', () => {
  it('list models and read a model, its audit log and its card', async () => {
    const server = new FakeServer().answer(
      json({ models: [{ name: 'churn' }] }),
      json({ name: 'churn', versions: [], aliases: {} }),
      json({ entries: [{ id: 1 }] }),
      json({ uri: 'churn/2', markdown: '#', html: '<h1>' })
    );
    expect(await listModels(server.settings)).toEqual([{ name: 'churn' }]);
    expect((await getModel(server.settings, 'churn')).name).toBe('churn');
    expect(server.last.path).toBe(`${API}/models/churn`);
    expect(await getAudit(server.settings, 'churn')).toEqual([{ id: 1 }]);
    expect(server.last.path).toBe(`${API}/models/churn/audit`);
    expect((await getCard(server.settings, 'churn', 2)).uri).toBe('churn/2');
    expect(server.last.path).toBe(`${API}/models/churn/card`);
    expect(server.last.query).toEqual({ version: '2' });
  });

  it('asks for the newest card when no version is given', async () => {
    const server = new FakeServer().answer(json({ uri: 'churn', markdown: '', html: '' }));
    await getCard(server.settings, 'churn');
    expect(server.last.query).toEqual({});
  });

  it('moves an alias with a JSON POST carrying the version and the reason', async () => {
    const move = { name: 'churn', alias: 'champion', from_version: 1, to_version: 2 };
    const server = new FakeServer().answer(json({ move }));
    const done = await moveAlias(server.settings, 'churn', 'champion', 2, 'beats v1');
    expect(done).toEqual(move);
    expect(server.last.method).toBe('POST');
    expect(server.last.path).toBe(`${API}/models/churn/aliases/champion`);
    expect(JSON.parse(server.last.body!)).toEqual({ version: 2, reason: 'beats v1' });
  });

  it('passes the server refusal of a move on as an ApiError', async () => {
    const server = new FakeServer().answer(
      apiError(400, 'HTTPError', 'reason is required: say why the alias moves')
    );
    const error = (await moveAlias(server.settings, 'churn', 'champion', 2, '').catch(
      e => e
    )) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.message).toBe('reason is required: say why the alias moves');
  });
});

describe('the data calls', () => {
  it('list datasets, read one, and diff two versions', async () => {
    const server = new FakeServer().answer(
      json({ datasets: [{ name: 'customers' }] }),
      json({ name: 'customers', versions: [] }),
      json({ a: 'customers@1', b: 'customers@2', same: false })
    );
    expect(await listDatasets(server.settings)).toEqual([{ name: 'customers' }]);
    await getDataset(server.settings, 'customers');
    expect(server.last.path).toBe(`${API}/datasets/customers`);
    const diff = await diffDataset(server.settings, 'customers', 1, 2);
    expect(diff.same).toBe(false);
    expect(server.last.path).toBe(`${API}/datasets/customers/diff`);
    expect(server.last.query).toEqual({ a: '1', b: '2' });
  });
});

describe('the drift calls', () => {
  it('list reports, optionally by name', async () => {
    const server = new FakeServer().answer(json({ reports: [] }), json({ reports: [{ id: 'a' }] }));
    expect(await listDriftReports(server.settings)).toEqual([]);
    expect(server.last.query).toEqual({});
    expect(await listDriftReports(server.settings, 'weekly')).toEqual([{ id: 'a' }]);
    expect(server.last.query).toEqual({ name: 'weekly' });
  });

  it('read a report, or one column overlay, with an encoded column name', async () => {
    const body = { report: { id: 'abc123' }, figure: { data: [], layout: {} } };
    const server = new FakeServer().answer(json(body), json(body));
    await getDriftReport(server.settings, 'abc123');
    expect(server.last.path).toBe(`${API}/drift/abc123`);
    expect(server.last.query).toEqual({});
    await getDriftReport(server.settings, 'abc123', 'mean radius & co');
    expect(server.last.query).toEqual({ column: 'mean radius & co' });
  });
});
