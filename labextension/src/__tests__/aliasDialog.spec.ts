/**
 * The alias dialog's loop in jsdom against a fake server: it asks again, with the problem
 * shown, until the move is valid and accepted, and sends nothing when cancelled.
 */
import { moveAliasDialog } from '../components/AliasDialog';
import { IModelDetail } from '../tokens';
import { apiError, FakeServer, json } from './fakeServer';

const detail: IModelDetail = {
  name: 'churn',
  aliases: { champion: 1 },
  versions: [1, 2, 3].map(version => ({
    name: 'churn',
    version,
    status: 'READY',
    flavor: 'sklearn',
    run_id: null,
    created_at: 0,
    created_by: 'ana',
    description: null,
    metrics: {},
    params: {},
    datasets: [],
    aliases: version === 1 ? ['champion'] : []
  }))
};

/** The dialog on screen, once it is there with its title (the header renders a tick later). */
async function dialog(): Promise<HTMLElement> {
  for (let i = 0; i < 100; i++) {
    const node = document.querySelector<HTMLElement>('.jp-Dialog');
    if (node?.querySelector('.jp-Dialog-header')?.textContent) {
      return node;
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error('no dialog');
}

async function gone(node: HTMLElement): Promise<void> {
  for (let i = 0; i < 50 && node.isConnected; i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

function click(node: HTMLElement, label: string): void {
  const button = Array.from(node.querySelectorAll<HTMLButtonElement>('button')).find(b =>
    b.textContent?.includes(label)
  );
  if (!button) {
    throw new Error(`no button ${label}`);
  }
  button.click();
}

function fill(node: HTMLElement, selector: string, value: string): void {
  const field = node.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
    selector
  )!;
  field.value = value;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('moveAliasDialog', () => {
  it('proposes the newest other version, asks again without a reason, then moves', async () => {
    const move = { name: 'churn', alias: 'champion', from_version: 1, to_version: 3 };
    const server = new FakeServer().answer(json({ move }));
    const done = moveAliasDialog(server.settings, detail, 'champion');

    let node = await dialog();
    expect(node.textContent).toContain('Move @champion of churn');
    const select = node.querySelector<HTMLSelectElement>('.jp-mlops-version-select')!;
    expect(select.value).toBe('3');
    expect(node.querySelector<HTMLInputElement>('.jp-mlops-alias-input')!.readOnly).toBe(true);
    click(node, 'Move alias');
    await gone(node);

    node = await dialog();
    expect(node.querySelector('.jp-mlops-dialog-error')!.textContent).toMatch(/Say why/);
    expect(server.requests).toHaveLength(0);
    fill(node, '.jp-mlops-reason', '  v3 wins on the holdout  ');
    click(node, 'Move alias');

    expect(await done).toEqual(move);
    expect(server.last.method).toBe('POST');
    expect(server.last.path).toMatch(/\/models\/churn\/aliases\/champion$/);
    expect(JSON.parse(server.last.body!)).toEqual({ version: 3, reason: 'v3 wins on the holdout' });
  });

  it('shows the server refusal in the dialog and lets the user correct it', async () => {
    const move = { name: 'churn', alias: 'shadow', from_version: null, to_version: 2 };
    const server = new FakeServer().answer(
      apiError(409, 'Conflict', 'version 2 is ARCHIVED: make it READY first'),
      json({ move })
    );
    const done = moveAliasDialog(server.settings, detail, null);

    let node = await dialog();
    expect(node.textContent).toContain('Set an alias of churn');
    fill(node, '.jp-mlops-alias-input', 'shadow');
    fill(node, '.jp-mlops-version-select', '2');
    fill(node, '.jp-mlops-reason', 'try v2 on live traffic');
    click(node, 'Move alias');
    await gone(node);

    node = await dialog();
    expect(node.querySelector('.jp-mlops-dialog-error')!.textContent).toBe(
      'version 2 is ARCHIVED: make it READY first'
    );
    // What the user typed is kept.
    expect(node.querySelector<HTMLTextAreaElement>('.jp-mlops-reason')!.value).toBe(
      'try v2 on live traffic'
    );
    click(node, 'Move alias');
    expect(await done).toEqual(move);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a move to where the alias already is, and sends nothing on cancel', async () => {
    const server = new FakeServer();
    const done = moveAliasDialog(server.settings, detail, 'champion');
    let node = await dialog();
    fill(node, '.jp-mlops-version-select', '1');
    fill(node, '.jp-mlops-reason', 'no-op');
    click(node, 'Move alias');
    await gone(node);
    node = await dialog();
    expect(node.querySelector('.jp-mlops-dialog-error')!.textContent).toContain(
      'already names version 1'
    );
    click(node, 'Cancel');
    expect(await done).toBeNull();
    expect(server.requests).toHaveLength(0);
  });
});
