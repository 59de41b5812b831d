// What the consumer tests take from a package README: the install line a user copies, the first
// example they paste, and the requests that prove the example works. Keeping these in the README
// (not beside the harness) means the text users read is the text that is tested.
//
//   ## Install
//   ```sh
//   npm install @obs/core @opentelemetry/api hono @hono/node-server
//   ```
//   ## Usage
//   ```ts
//   …a complete program…
//   ```
//   <!-- consumer-check: [{ "request": "GET /hello", "status": 200, "includes": ["hello"] }] -->

/** One request made to the running example, and what must come back. */
export interface ConsumerCheck {
  /** `METHOD /path`, e.g. `GET /metrics`. */
  request: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Request body, sent as is. */
  body?: string;
  /** The expected response status. */
  status: number;
  /** Strings the response body must contain. */
  includes?: string[];
  /** Response headers that must have exactly these values (names are case-insensitive). */
  responseHeaders?: Record<string, string>;
  /** Strings the program must have written to stdout after this request (its logs, its spans). */
  output?: string[];
}

export interface ConsumerSpec {
  install: string;
  example: string;
  checks: ConsumerCheck[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const CHECK_KEYS = new Set([
  'request',
  'headers',
  'body',
  'status',
  'includes',
  'responseHeaders',
  'output',
]);

/** The body of a `## heading` section, up to the next second-level heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.search(new RegExp(`^## ${heading}[ \\t]*$`, 'm'));
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const body = markdown.slice(markdown.indexOf('\n', start) + 1);
  const end = body.search(/^## /m);
  return end === -1 ? body : body.slice(0, end);
}

/** The first fenced block of a language, and the text after it. */
function firstFence(text: string, lang: string): { code: string; after: string } | undefined {
  const match = new RegExp(`^\`\`\`${lang}[ \\t]*\\n([\\s\\S]*?)^\`\`\`[ \\t]*$`, 'm').exec(text);
  if (!match) return undefined;
  return { code: match[1]!, after: text.slice(match.index + match[0].length) };
}

function readInstall(markdown: string): string {
  const fence = firstFence(section(markdown, 'Install'), 'sh');
  if (!fence) throw new Error('## Install: no ```sh block');
  const lines = fence.code.split('\n').filter((line) => line.trim().startsWith('npm install '));
  if (lines.length !== 1) {
    throw new Error(`## Install: expected one \`npm install\` line, found ${lines.length}`);
  }
  return lines[0]!.trim();
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The problems with one check as written, so a typo (`include`) fails instead of passing. */
function checkProblems(check: Record<string, unknown>): string[] {
  const problems = Object.keys(check)
    .filter((key) => !CHECK_KEYS.has(key))
    .map((key) => `unknown key "${key}"`);
  const [method, path, ...rest] = typeof check.request === 'string' ? check.request.split(' ') : [];
  if (!METHODS.includes(method ?? '') || !path?.startsWith('/') || rest.length > 0) {
    problems.push('"request" must be "METHOD /path"');
  }
  if (!Number.isInteger(check.status)) problems.push('"status" must be an integer');
  if (check.body !== undefined && typeof check.body !== 'string') {
    problems.push('"body" must be a string');
  }
  for (const key of ['headers', 'responseHeaders'] as const) {
    if (check[key] !== undefined && !isStringRecord(check[key])) {
      problems.push(`"${key}" must map names to strings`);
    }
  }
  for (const key of ['includes', 'output'] as const) {
    if (check[key] !== undefined && !isStringArray(check[key])) {
      problems.push(`"${key}" must be an array of strings`);
    }
  }
  return problems;
}

function parseChecks(json: string): ConsumerCheck[] {
  let checks: unknown;
  try {
    checks = JSON.parse(json);
  } catch (err) {
    throw new Error(`## Usage: consumer-check is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(checks) || checks.length === 0) {
    throw new Error('## Usage: consumer-check must be a non-empty array');
  }
  checks.forEach((check: unknown, i) => {
    const problems =
      typeof check === 'object' && check !== null
        ? checkProblems(check as Record<string, unknown>)
        : ['not an object'];
    if (problems.length > 0) {
      throw new Error(`## Usage: consumer-check [${i}]: ${problems.join('; ')}`);
    }
  });
  return checks as ConsumerCheck[];
}

function readUsage(markdown: string): { example: string; checks: ConsumerCheck[] } {
  const fence = firstFence(section(markdown, 'Usage'), 'ts');
  if (!fence) throw new Error('## Usage: no ```ts block');
  const comment = /^\s*<!--\s*consumer-check:([\s\S]*?)-->/.exec(fence.after);
  if (!comment) {
    throw new Error(
      '## Usage: the first ```ts block is not followed by <!-- consumer-check: … -->',
    );
  }
  return { example: fence.code, checks: parseChecks(comment[1]!) };
}

/** The install line, first example and its checks; throws naming what is missing or malformed. */
export function readConsumerSpec(markdown: string): ConsumerSpec {
  return { install: readInstall(markdown), ...readUsage(markdown) };
}
