// The pages' one way to the server: `${base}/api/...` with the dashboard token when one is held.
// The base comes from `<meta name="obs-base">`, which the server injects into index.html.

const TOKEN_KEY = 'obs.dashboard.token';
const ADMIN_KEY = 'obs.dashboard.adminToken';

function readBase(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="obs-base"]');
  const base = meta?.content ?? location.pathname.replace(/\/(index\.html)?$/, '');
  return base.replace(/\/$/, '');
}

export const base = readBase();

/** A call answered 401 with a Bearer challenge: the pages ask for a token. */
export class TokenRequired extends Error {
  override readonly name = 'TokenRequired';
}

/** A call answered with another non-2xx status. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function stored(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function store(key: string, value: string | undefined): void {
  try {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage disabled: the token lasts as long as the page.
  }
}

let token = stored(TOKEN_KEY);

export function setToken(value: string): void {
  token = value;
  store(TOKEN_KEY, value);
  window.__obsEarly = undefined; // asked without this token: ask again
}

/** The token the alert actions send: the one given for them, else the dashboard's. */
export function adminToken(): string | undefined {
  return stored(ADMIN_KEY) ?? token;
}

export function setAdminToken(value: string | undefined): void {
  store(ADMIN_KEY, value);
}

function bearerChallenge(res: Response): boolean {
  return res.status === 401 && /^bearer\b/i.test(res.headers.get('www-authenticate') ?? '');
}

async function failure(res: Response): Promise<Error> {
  if (bearerChallenge(res)) {
    if (token !== undefined) {
      token = undefined;
      store(TOKEN_KEY, undefined);
    }
    return new TokenRequired('this dashboard needs a token');
  }
  const text = await res.text().catch(() => '');
  let detail = text.slice(0, 200);
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
    if (typeof problem.detail === 'string') detail = problem.detail;
    else if (typeof problem.title === 'string') detail = problem.title;
  } catch {
    // Not JSON: the text as it came.
  }
  return new HttpError(res.status, `${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`);
}

declare global {
  interface Window {
    /** Requests index.html's inline script sent while app.js loaded: config and the first page. */
    __obsEarly?: Record<string, Promise<Response> | undefined>;
  }
}

/** The early answer for `path`, once: later calls ask the server again. */
function early(path: string): Promise<Response> | undefined {
  const answers = window.__obsEarly;
  const answer = answers?.[path];
  if (answers) answers[path] = undefined;
  return answer;
}

/** GET `${base}/api/${path}` as JSON (the response types are in ../src/api). */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // With basic auth the browser sends its own credentials; a bearer header would replace them.
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await (early(path) ??
    fetch(`${base}/api/${path}`, { headers, signal: signal ?? null }));
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** The admin token was missing or refused: the alert action needs the form first. */
export class AdminTokenRequired extends Error {
  override readonly name = 'AdminTokenRequired';
}

/** POST a JSON body to an alert route with the admin token. */
export async function postAlertAction(url: string, body: unknown): Promise<void> {
  const admin = adminToken();
  if (admin === undefined) throw new AdminTokenRequired('the alert actions need the admin token');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify(body),
  });
  if (res.status === 401 || res.status === 403) {
    setAdminToken(undefined);
    throw new AdminTokenRequired('the admin token was refused');
  }
  if (!res.ok) throw await failure(res);
}
