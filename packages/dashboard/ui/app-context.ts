// What every page reads from the shell: the server's config, and how to ask for a token or move.
import { createContext } from 'preact';
import { useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConfigResponse } from '../src/api';
import { getJson, TokenRequired } from './client';

export interface Shell {
  config: ConfigResponse;
  /** A call was refused for want of the dashboard token: show the token form. */
  tokenRequired: () => void;
  /** Go to a `#/...` route; `replace` keeps the history entry (filters being typed). */
  navigate: (hash: string, replace?: boolean) => void;
}

export const ShellContext = createContext<Shell | undefined>(undefined);

export function useShell(): Shell {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error('useShell outside the dashboard shell');
  return shell;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** Fetch again now (after an action). */
  refresh: () => void;
}

/**
 * `GET {base}/api/{path}` now and every `refreshMs`, paused while the tab is hidden; a new path
 * starts over (its data is undefined until it arrives).
 */
export function usePoll<T>(path: string): Polled<T> {
  const { config, tokenRequired } = useShell();
  const [state, setState] = useState<{ path: string; data?: T; error?: string }>({ path });
  const [nonce, setNonce] = useState(0);

  // A layout effect: the request (or the early answer) is taken before the first paint, not a
  // frame after it.
  useLayoutEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let stopped = false;
    const schedule = (): void => {
      if (!stopped && !document.hidden) timer = setTimeout(() => void run(), config.refreshMs);
    };
    const run = async (): Promise<void> => {
      timer = undefined;
      controller = new AbortController();
      try {
        const data = await getJson<T>(path, controller.signal);
        if (stopped) return;
        setState({ path, data });
      } catch (e) {
        if (stopped) return;
        if (e instanceof TokenRequired) {
          tokenRequired();
          return;
        }
        setState((s) => ({ ...s, path, error: errorText(e) }));
      } finally {
        controller = undefined;
      }
      schedule();
    };
    const onVisibility = (): void => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = undefined;
      } else if (timer === undefined && controller === undefined) {
        void run();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [path, nonce, config.refreshMs, tokenRequired]);

  const current = state.path === path;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    refresh: () => setNonce((n) => n + 1),
  };
}

/** `body[data-ready="<page>"]` while the page shows its data (tests and the benchmark wait on it). */
export function useReady(page: string, ready: boolean): void {
  useEffect(() => {
    if (!ready) return;
    document.body.dataset.ready = page;
    return () => unready(page);
  }, [page, ready]);
}

function unready(page: string): void {
  if (document.body.dataset.ready === page) delete document.body.dataset.ready;
}

/**
 * `body[data-ready=page]` once the `expected` charts have drawn with data: `drawn(i)` goes to
 * chart i. Set from the last chart's draw itself, not a re-render a frame later: the load time
 * measured on it is the user's.
 */
export function useDrawnReady(page: string, expected: number): (i: number) => () => void {
  const seen = useRef(new Set<number>());
  const wanted = useRef(expected);
  wanted.current = expected;
  useReady(page, expected === 0);
  useEffect(() => () => unready(page), [page]);
  return (i: number) => () => {
    seen.current.add(i);
    if (seen.current.size >= wanted.current) document.body.dataset.ready = page;
  };
}
