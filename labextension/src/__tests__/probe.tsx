/** A component that shows one `useLoad`'s state as text, with a reload button (specs only). */
import * as React from 'react';

import { useLoad } from '../hooks';

export function Probe(props: { fetch: () => Promise<string>; id: string }): JSX.Element {
  const load = useLoad(props.fetch, props.id);
  return (
    <div>
      {load.loading ? 'loading ' : ''}
      {load.value ?? ''}
      {load.error ? `error: ${load.error}` : ''}
      <button onClick={load.reload}>reload</button>
    </div>
  );
}
