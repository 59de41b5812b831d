import type { LevelName } from './levels';

const COLORS: Record<LevelName, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** Keys the pretty line shows in its head, or drops as noise for a terminal. */
const HEAD = new Set(['timestamp', 'level', 'message', 'logger']);
const QUIET = new Set(['service', 'environment', 'version', 'pid', 'hostname']);

// Control characters would let a message draw a fake line on the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Every control character as its JSON escape: nothing reaches the terminal raw. */
function escapeControl(text: string): string {
  return text.replace(CONTROL, (ch) => JSON.stringify(ch).slice(1, -1));
}

function showValue(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/**
 * One colored terminal line from a JSON record: time, level, logger, message, then the request id
 * and the other fields as `key=value`. Always exactly one line, whatever the message holds.
 */
export function prettyLine(jsonLine: string, colors: boolean): string {
  const record = JSON.parse(jsonLine) as Record<string, unknown>;
  const level = String(record.level) as LevelName;
  const time = String(record.timestamp).slice(11, 23);
  const tag = level.toUpperCase().padEnd(5);
  // Keys, values, logger name and message may all come from outside: escape them all.
  const fields = escapeControl(
    Object.entries(record)
      .filter(([k]) => !HEAD.has(k) && !QUIET.has(k))
      .map(([k, v]) => `${k}=${showValue(v)}`)
      .join(' '),
  );
  const message = escapeControl(String(record.message));
  const logger = escapeControl(String(record.logger));
  const head = colors
    ? `${DIM}${time}${RESET} ${COLORS[level]}${tag}${RESET} ${DIM}[${logger}]${RESET}`
    : `${time} ${tag} [${logger}]`;
  return `${head} ${message}${fields ? `  ${colors ? DIM : ''}${fields}${colors ? RESET : ''}` : ''}`;
}
