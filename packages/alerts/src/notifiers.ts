import addressparser from 'nodemailer/lib/addressparser/index.js';
import { ObsConfigError } from '@obs/core';
import type { Alert, NotificationKind, Notifier } from './engine';
import { parseDuration } from './query';

export interface DeliveryOptions {
  /** One attempt's limit. @default 5000 */
  timeoutMs?: number;
  /** Attempts after the first. @default 3 */
  retries?: number;
  /** First wait between attempts, doubled each time (with jitter). @default 500 */
  backoffMs?: number;
}

// The receiver and route checks below are shared by the notifiers and toAlertmanagerConfig(), so
// both accept the same settings, and amtool accepts whatever they accept. Two are stricter than
// amtool, which only asks for something non-empty: the PagerDuty key and the email addresses.

/** An http(s) URL with a host, as Alertmanager requires for webhook, Slack and PagerDuty URLs. */
export function checkUrl(url: string, option: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ObsConfigError(option, 'expected an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ObsConfigError(option, `expected an http(s) URL, got ${parsed.protocol}`);
  // WHATWG URL reads `http:host` and `http:///host` as `http://host/`; Go's parser (Alertmanager)
  // finds no host in them.
  if (!/^https?:\/\/[^/?#]/i.test(url.trim()))
    throw new ObsConfigError(option, 'expected http(s)://host…');
}

/** A PagerDuty Events API v2 integration key: 32 letters and digits. */
export function checkRoutingKey(key: unknown, option: string): void {
  if (typeof key !== 'string' || !/^[A-Za-z0-9]{32}$/.test(key))
    throw new ObsConfigError(option, 'expected the 32-character integration key (letters, digits)');
}

/**
 * Email addresses (`name@host`, `"Doe, Jane" <jane@host>`): one, a list, or a comma-separated
 * string as Alertmanager's `to` takes them, read by nodemailer's address parser.
 */
export function checkAddresses(addresses: unknown, option: string): void {
  const list =
    typeof addresses === 'string' ? [addresses] : Array.isArray(addresses) ? addresses : [];
  const parsed = list.flatMap((a) =>
    typeof a === 'string' ? addressparser(a, { flatten: true }) : [{ name: '', address: '' }],
  );
  if (parsed.length === 0 || !parsed.every((a) => /^[^\s@]+@[^\s@]+$/.test(a.address)))
    throw new ObsConfigError(option, 'expected an email address');
}

/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address (Go's SplitHostPort). */
export function checkHostPort(value: unknown, option: string): void {
  if (typeof value !== 'string' || !/^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(value))
    throw new ObsConfigError(option, 'expected host:port');
}

/**
 * A route's timings as Alertmanager checks them: Prometheus durations, and group_interval and
 * repeat_interval not zero.
 */
export function checkRouteTimings(route: {
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}): void {
  if (route.groupWait !== undefined) parseDuration(route.groupWait, 'groupWait');
  for (const option of ['groupInterval', 'repeatInterval'] as const) {
    const text = route[option];
    if (text !== undefined && parseDuration(text, option) === 0)
      throw new ObsConfigError(option, 'must not be zero (Alertmanager refuses it)');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs JSON with a timeout, retrying network errors, 429 and 5xx with exponential backoff. */
export async function deliver(
  url: string,
  body: unknown,
  options: DeliveryOptions & { headers?: Record<string, string> } = {},
): Promise<void> {
  const { timeoutMs = 5000, retries = 3, backoffMs = 500, headers } = options;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) {
        await res.body?.cancel();
        return;
      }
      const said = (await res.text().catch(() => '')).slice(0, 200).trim();
      lastError = new Error(
        `${new URL(url).host} answered ${res.status}${said ? `: ${said}` : ''}`,
      );
      if (res.status < 500 && res.status !== 429) break; // the request is wrong: retrying won't help
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An alert as Alertmanager's webhook payload describes one. */
export function toAlertmanagerAlert(
  alert: Readonly<Alert>,
  kind: NotificationKind,
  generatorURL?: string,
) {
  return {
    status: kind,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: iso(alert.startsAt ?? alert.activeAt),
    endsAt: kind === 'resolved' ? iso(alert.endsAt) : '0001-01-01T00:00:00Z',
    generatorURL: generatorURL ?? '',
    fingerprint: alert.fingerprint,
  };
}

export interface WebhookNotifierOptions extends DeliveryOptions {
  url: string;
  name?: string;
  headers?: Record<string, string>;
  /** Link back to where the alert came from (the service's /alerts). */
  generatorURL?: string;
}

/**
 * POSTs an Alertmanager-compatible webhook payload (`version: "4"`, `status`, `alerts[]`,
 * `groupLabels`, `commonLabels`…), so receivers written for Alertmanager take it unchanged.
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  checkUrl(options.url, 'url');
  const payload = (
    alerts: readonly Readonly<Alert>[],
    kind: NotificationKind,
    groupLabels: Record<string, string>,
  ) => {
    const common = (pick: (a: Readonly<Alert>) => Record<string, string>) =>
      Object.fromEntries(
        Object.entries(pick(alerts[0]!)).filter(([k, v]) => alerts.every((a) => pick(a)[k] === v)),
      );
    return {
      version: '4',
      status: kind,
      receiver: options.name ?? 'webhook',
      groupKey: JSON.stringify(groupLabels),
      groupLabels,
      commonLabels: common((a) => a.labels),
      commonAnnotations: common((a) => a.annotations),
      externalURL: options.generatorURL ?? '',
      alerts: alerts.map((a) => toAlertmanagerAlert(a, kind, options.generatorURL)),
    };
  };
  return {
    name: options.name ?? 'webhook',
    notify: (alert, kind) =>
      deliver(options.url, payload([alert], kind, { alertname: alert.name }), options),
    notifyGroup: (alerts, kind, groupLabels) =>
      deliver(options.url, payload(alerts, kind, groupLabels), options),
  };
}

/** Writes each notification through `log` (e.g. your logger's warn). */
export function logNotifier(
  log: (message: string, fields: Record<string, unknown>) => void,
  name = 'log',
): Notifier {
  return {
    name,
    notify: (alert, kind) => {
      log(`alert ${kind}: ${alert.name}`, {
        alert: alert.name,
        state: kind,
        severity: alert.severity,
        labels: alert.labels,
        summary: alert.annotations.summary,
        value: alert.value,
      });
      return Promise.resolve();
    },
  };
}
