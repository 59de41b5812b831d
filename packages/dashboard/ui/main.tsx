// The dashboard's single page: the shell (config, token, navigation) and hash routing to the pages.
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { ConfigResponse } from '../src/api';
import { Alerts } from './alerts';
import { errorText, ShellContext, type Shell } from './app-context';
import { Business } from './business';
import { getJson, setToken, TokenRequired } from './client';
import { Logs } from './logs';
import { Overview } from './overview';
import { ErrorLine, Loading, TokenForm } from './parts';
import { Trace, Traces } from './traces';

type PageName = ConfigResponse['pages'][number];
const LABELS: Record<PageName, string> = {
  overview: 'Overview',
  business: 'Business',
  logs: 'Logs',
  traces: 'Traces',
  alerts: 'Alerts',
};

/** The title, with the service's name unless the title already says it. */
function heading(c: ConfigResponse): string {
  return c.title.includes(c.service) ? c.title : `${c.title} · ${c.service}`;
}

interface Route {
  page: string;
  /** `#/traces/<id>` */
  arg: string | undefined;
  query: URLSearchParams;
}

/** A malformed escape (`%E0`) is kept as typed rather than blanking the page. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [page = '', ...rest] = path.split('/');
  const arg = rest.length > 0 ? decode(rest.join('/')) : undefined;
  return { page, arg, query: new URLSearchParams(search) };
}

function useRoute(): [Route, (hash: string, replace?: boolean) => void] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = (): void => setHash(location.hash);
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const navigate = useCallback((next: string, replace = false) => {
    if (replace) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
    setHash(next);
  }, []);
  return [useMemo(() => parseRoute(hash), [hash]), navigate];
}

function App() {
  const [config, setConfig] = useState<ConfigResponse | undefined>(undefined);
  const [needsToken, setNeedsToken] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  // Bumped when a token is given: the config and the page load again with it.
  const [epoch, setEpoch] = useState(0);
  const [route, navigate] = useRoute();
  const tokenRequired = useCallback(() => setNeedsToken(true), []);

  // Before the first paint (a layout effect): the config is usually here already (index.html).
  useLayoutEffect(() => {
    const controller = new AbortController();
    getJson<ConfigResponse>('config', controller.signal).then(
      (c) => {
        setConfig(c);
        setError(undefined);
        document.title = heading(c);
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        if (e instanceof TokenRequired) setNeedsToken(true);
        else setError(errorText(e));
      },
    );
    return () => controller.abort();
  }, [epoch]);

  const shell = useMemo<Shell | undefined>(
    () => (config ? { config, tokenRequired, navigate } : undefined),
    [config, tokenRequired, navigate],
  );

  if (needsToken) {
    return (
      <main class="narrow">
        <TokenForm
          title="Token required"
          note="This dashboard is protected by a bearer token. It is kept for this tab only."
          onToken={(token) => {
            setToken(token);
            setNeedsToken(false);
            setEpoch((n) => n + 1);
          }}
        />
      </main>
    );
  }
  if (!shell || !config) {
    return <main class="narrow">{error ? <ErrorLine error={error} /> : <Loading />}</main>;
  }

  const pages = config.pages;
  const page = (pages as string[]).includes(route.page) ? (route.page as PageName) : pages[0];
  return (
    <ShellContext.Provider value={shell}>
      <header>
        <span class="brand">{heading(config)}</span>
        <nav>
          {pages.map((p) => (
            <a key={p} href={`#/${p}`} class={p === page ? 'active' : ''} data-testid={`nav-${p}`}>
              {LABELS[p]}
            </a>
          ))}
        </nav>
      </header>
      <main key={epoch}>
        {page === undefined ? (
          <p class="empty">no pages: no source was given to the dashboard</p>
        ) : null}
        {page === 'overview' ? <Overview /> : null}
        {page === 'business' ? <Business /> : null}
        {page === 'logs' ? <Logs query={route.query} /> : null}
        {page === 'traces' && route.arg !== undefined ? (
          <Trace key={route.arg} traceId={route.arg} />
        ) : null}
        {page === 'traces' && route.arg === undefined ? <Traces /> : null}
        {page === 'alerts' ? <Alerts /> : null}
      </main>
    </ShellContext.Provider>
  );
}

render(<App />, document.getElementById('app') ?? document.body);
