import * as React from 'react';

/** The state of one asynchronous load: its value, its error, and a way to load it again. */
export interface ILoad<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

interface IState<T> {
  key: string;
  value: T | null;
  error: string | null;
  loading: boolean;
}

/**
 * Load `fetch()` whenever `key` changes or `reload()` is called. An answer for an older key or
 * round is dropped, so a slow response never overwrites a newer one; a reload keeps showing
 * the previous value until the new one arrives, a new key does not.
 */
export function useLoad<T>(fetch: () => Promise<T>, key: string): ILoad<T> {
  const [state, setState] = React.useState<IState<T>>({
    key,
    value: null,
    error: null,
    loading: true
  });
  const [round, setRound] = React.useState(0);
  React.useEffect(() => {
    let current = true;
    setState(previous => ({ ...previous, loading: true }));
    fetch().then(
      value => {
        if (current) {
          setState({ key, value, error: null, loading: false });
        }
      },
      reason => {
        if (current) {
          setState(previous => ({
            key,
            value: previous.key === key ? previous.value : null,
            error: String(reason?.message ?? reason),
            loading: false
          }));
        }
      }
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  const fresh = state.key === key;
  return {
    value: fresh ? state.value : null,
    error: fresh ? state.error : null,
    loading: state.loading || !fresh,
    reload: () => setRound(r => r + 1)
  };
}
