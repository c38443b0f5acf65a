import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { LoadModel } from './loadmodel';

/** The state of one asynchronous load: its value, its error, and a way to load it again. */
export interface ILoad<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** What `useModel` follows: a LoadModel, or anything else that counts its changes the same way. */
export interface IChangingModel {
  readonly changed: ISignal<unknown, void>;
  readonly generation: number;
}

/** Re-render the component whenever `model` changes; returns the model for convenience. */
export function useModel<M extends IChangingModel>(model: M): M {
  const subscribe = React.useCallback(
    (onChange: () => void) => {
      const slot = (): void => onChange();
      model.changed.connect(slot);
      return () => {
        model.changed.disconnect(slot);
      };
    },
    [model]
  );
  // The generation is the snapshot: a change emitted before the subscription (an effect that
  // refreshed first) is still seen, which a plain useState counter would miss.
  React.useSyncExternalStore(subscribe, () => model.generation);
  return model;
}

/** A LoadModel as an ILoad; a model that was never refreshed counts as loading. */
export function asLoad<T>(model: LoadModel<T, string>): ILoad<T> {
  return {
    value: model.value,
    error: model.error,
    loading: model.loading || model.generation === 0,
    reload: () => void model.refresh()
  };
}

/**
 * A tab's list, held by a model that outlives the tab (so a command can refresh it): the
 * component follows it and reads it again each time it is shown, keeping the last list on
 * screen meanwhile.
 */
export function useShownModel<T>(model: LoadModel<T, string>): ILoad<T> {
  useModel(model);
  React.useEffect(() => {
    void model.refresh();
  }, [model]);
  return asLoad(model);
}

/**
 * Load `fetch()` whenever `key` changes or `reload()` is called, with LoadModel's rules: each
 * key has its own model (disposed on a new key or unmount), and an answer for an older key or
 * round is dropped, so a slow response never overwrites a newer one; a reload keeps showing
 * the previous value until the new one arrives, a new key does not. With `poll`, the value is
 * read again every `pollMs` while `pollWhile` holds for it (backing off in a hidden tab).
 */
export function useLoad<T>(
  fetch: () => Promise<T>,
  key: string,
  poll?: { pollWhile: (value: T) => boolean; pollMs: number }
): ILoad<T> {
  // A reload reads with the newest closure, as the caller's props are now.
  const latest = React.useRef(fetch);
  latest.current = fetch;
  // `poll` (a view of something RUNNING, say) is read when the key's model is made.
  const model = React.useMemo(
    () => new LoadModel<T>({ fetch: () => latest.current(), ...poll }),
    [key]
  );
  React.useEffect(() => {
    void model.refresh();
    return () => model.dispose();
  }, [model]);
  useModel(model);
  return asLoad(model);
}
