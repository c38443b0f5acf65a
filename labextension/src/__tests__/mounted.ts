/**
 * A React root mounted in jsdom for each test, and `settle()`: the effects and the fake
 * server's answers run to rest before a test looks at the DOM.
 */
import { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

// React 18 only runs effects synchronously inside act() when told it is under test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface IMounted {
  container: HTMLDivElement;
  root: Root;
}

/** A fresh container and root per test (set in beforeEach, removed in afterEach). */
export function mountEach(): IMounted {
  const mounted = {} as IMounted;
  beforeEach(() => {
    mounted.container = document.createElement('div');
    document.body.appendChild(mounted.container);
    mounted.root = createRoot(mounted.container);
  });
  afterEach(() => {
    act(() => mounted.root.unmount());
    mounted.container.remove();
  });
  return mounted;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 0));
    });
  }
}
