import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { moveAlias } from '../api';
import { aliasMoveProblem, MAX_REASON } from '../format';
import { IAliasMove, IModelDetail } from '../tokens';

/**
 * Emitted with each move the server made through the dialog, wherever it was opened: the
 * sidebar's Models list and a model's versions show the new aliases without a click.
 */
export const aliasMoved = new Signal<object, IAliasMove>({});

interface IAliasForm {
  alias: string;
  version: number | null;
  reason: string;
}

/** The dialog's body: which alias, to which version, and why. */
class AliasForm extends Widget implements Dialog.IBodyWidget<IAliasForm> {
  constructor(detail: IModelDetail, form: IAliasForm, fixedAlias: boolean, problem: string | null) {
    super();
    this.addClass('jp-mlops-alias-form');
    const field = (label: string, input: HTMLElement): void => {
      const wrapper = document.createElement('label');
      wrapper.className = 'jp-mlops-field';
      wrapper.append(label, input);
      this.node.append(wrapper);
    };

    this._alias.className = 'jp-mod-styled jp-mlops-alias-input';
    this._alias.value = form.alias;
    this._alias.readOnly = fixedAlias;
    this._alias.placeholder = 'champion';
    field('Alias', this._alias);

    this._version.className = 'jp-mod-styled jp-mlops-version-select';
    for (const version of [...detail.versions].reverse()) {
      const option = document.createElement('option');
      option.value = String(version.version);
      const names = version.aliases.map(a => ` @${a}`).join('');
      option.textContent = `version ${version.version} (${version.status})${names}`;
      this._version.append(option);
    }
    if (form.version !== null) {
      this._version.value = String(form.version);
    }
    field('Version', this._version);

    this._reason.className = 'jp-mod-styled jp-mlops-reason';
    this._reason.rows = 3;
    this._reason.maxLength = MAX_REASON;
    this._reason.placeholder = 'Why it moves, e.g. "v4 beats v3 on last week\'s holdout"';
    this._reason.value = form.reason;
    field('Reason (kept in the audit log)', this._reason);

    if (problem) {
      const error = document.createElement('div');
      error.className = 'jp-mlops-error jp-mlops-dialog-error';
      error.setAttribute('role', 'alert');
      error.textContent = problem;
      this.node.append(error);
    }
  }

  getValue(): IAliasForm {
    return {
      alias: this._alias.value.trim(),
      version: this._version.value ? Number(this._version.value) : null,
      reason: this._reason.value
    };
  }

  private _alias = document.createElement('input');
  private _version = document.createElement('select');
  private _reason = document.createElement('textarea');
}

/**
 * Ask which version an alias should name and why, then move it. The dialog comes back with
 * the problem shown until the move is valid and the server accepts it, or the user cancels.
 *
 * @param alias The alias to move; null asks for a new alias name too.
 * @returns The move the server made, or null when cancelled.
 */
export async function moveAliasDialog(
  settings: ServerConnection.ISettings,
  detail: IModelDetail,
  alias: string | null
): Promise<IAliasMove | null> {
  const current = alias !== null ? (detail.aliases[alias] ?? null) : null;
  const newest = detail.versions.length ? detail.versions[detail.versions.length - 1].version : null;
  const others = detail.versions.map(v => v.version).filter(v => v !== current);
  let form: IAliasForm = {
    alias: alias ?? '',
    version: others.length ? others[others.length - 1] : newest,
    reason: ''
  };
  let problem: string | null = null;
  for (;;) {
    const body = new AliasForm(detail, form, alias !== null, problem);
    const result = await showDialog({
      title: alias ? `Move @${alias} of ${detail.name}` : `Set an alias of ${detail.name}`,
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Move alias' })],
      focusNodeSelector: alias ? '.jp-mlops-reason' : '.jp-mlops-alias-input'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    form = result.value;
    const target = detail.aliases[form.alias] ?? null;
    problem = aliasMoveProblem({ ...form, current: target });
    if (problem) {
      continue;
    }
    try {
      const moved = await moveAlias(
        settings,
        detail.name,
        form.alias,
        form.version!,
        form.reason.trim()
      );
      aliasMoved.emit(moved);
      return moved;
    } catch (reason) {
      problem = String((reason as Error).message ?? reason);
    }
  }
}
