import { stringify } from 'yaml';
import { ObsConfigError } from '@obs/core';
import type { Alert, NotificationKind, Notifier } from './engine';
import {
  checkAddresses,
  checkHostPort,
  checkRouteTimings,
  checkRoutingKey,
  checkUrl,
  deliver,
  type DeliveryOptions,
} from './notifiers';
import { matcherStrings, type Matcher } from './query';

export interface AlertmanagerNotifierOptions extends DeliveryOptions {
  /** The Alertmanager, e.g. http://alertmanager:9093 (its /api/v2/alerts is posted to). */
  url: string;
  /** Where the alert came from (the service's /alerts page). */
  generatorURL?: string;
  /**
   * Firing alerts are sent again this often, as Prometheus does, so Alertmanager does not
   * resolve them on its own. @default 60_000
   */
  resendIntervalMs?: number;
  name?: string;
}

export interface AlertmanagerNotifier extends Notifier {
  /** Stops resending. */
  close(): void;
}

/**
 * Pushes alerts to a real Alertmanager (`POST /api/v2/alerts`) with `startsAt`, `endsAt` and
 * `generatorURL`, so a fleet's in-process alerts are deduplicated, grouped, silenced and routed
 * centrally. Firing alerts are re-sent every `resendIntervalMs` with `endsAt` four intervals
 * ahead (Prometheus' own rule); a resolve is sent with `endsAt` now.
 */
export function alertmanagerNotifier(options: AlertmanagerNotifierOptions): AlertmanagerNotifier {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new ObsConfigError('url', 'expected the Alertmanager URL, e.g. http://alertmanager:9093');
  }
  const endpoint = new URL('api/v2/alerts', base.href.endsWith('/') ? base : `${base.href}/`).href;
  const resendMs = options.resendIntervalMs ?? 60_000;
  const firing = new Map<string, Readonly<Alert>>();
  const payload = (alert: Readonly<Alert>, kind: NotificationKind) => {
    const startsAt = alert.startsAt ?? alert.activeAt;
    const endsAt = kind === 'resolved' ? (alert.endsAt ?? Date.now()) : Date.now() + 4 * resendMs;
    return {
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: new Date(startsAt).toISOString(),
      // Alertmanager refuses an end before the start (a resolve in the same millisecond).
      endsAt: new Date(Math.max(endsAt, startsAt + 1)).toISOString(),
      ...(options.generatorURL ? { generatorURL: options.generatorURL } : {}),
    };
  };
  const timer = setInterval(() => {
    if (firing.size === 0) return;
    const alerts = [...firing.values()].map((a) => payload(a, 'firing'));
    deliver(endpoint, alerts, options).catch(() => undefined); // retried at the next interval
  }, resendMs);
  timer.unref();
  return {
    name: options.name ?? 'alertmanager',
    notify(alert, kind) {
      if (kind === 'firing') firing.set(alert.fingerprint, alert);
      else firing.delete(alert.fingerprint);
      return deliver(endpoint, [payload(alert, kind)], options);
    },
    close: () => clearInterval(timer),
  };
}

export type LabelMatcher = Matcher;

/** An Alertmanager route, as in its configuration. */
export interface Route {
  receiver: string;
  /** Labels the alert must match: `{ severity: 'critical' }`, `{ service: /api|web/ }`. */
  matchers?: Record<string, LabelMatcher>;
  /** Keep looking for more matching routes after this one. @default false */
  continue?: boolean;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  routes?: Route[];
}

/** Receivers, one integration each (more may be added to the YAML by hand). */
export type Receiver =
  | {
      name: string;
      webhook: {
        url: string;
        sendResolved?: boolean;
        /** A file holding a bearer token for the receiver (e.g. `alertRoutes`' token). */
        bearerTokenFile?: string;
      };
    }
  | { name: string; slack: { apiUrl: string; channel: string; title?: string; text?: string } }
  | { name: string; pagerduty: { routingKey: string } }
  | { name: string; email: { to: string; from: string; smarthost: string; requireTls?: boolean } };

function routeYaml(route: Route, receivers: ReadonlySet<string>): Record<string, unknown> {
  if (!receivers.has(route.receiver))
    throw new ObsConfigError(
      'routes',
      `route names receiver "${route.receiver}", which is not defined`,
    );
  checkRouteTimings(route);
  return {
    receiver: route.receiver,
    ...(route.matchers ? { matchers: matcherStrings(route.matchers) } : {}),
    ...(route.continue ? { continue: true } : {}),
    ...(route.groupBy ? { group_by: route.groupBy } : {}),
    ...(route.groupWait ? { group_wait: route.groupWait } : {}),
    ...(route.groupInterval ? { group_interval: route.groupInterval } : {}),
    ...(route.repeatInterval ? { repeat_interval: route.repeatInterval } : {}),
    ...(route.routes ? { routes: route.routes.map((r) => routeYaml(r, receivers)) } : {}),
  };
}

/** A receiver checked as its notifier checks it, so that both accept the same settings. */
function checkReceiver(receiver: Receiver): void {
  const at = `receivers.${receiver.name}`;
  if ('webhook' in receiver) checkUrl(receiver.webhook.url, `${at}.webhook.url`);
  else if ('slack' in receiver) checkUrl(receiver.slack.apiUrl, `${at}.slack.apiUrl`);
  else if ('pagerduty' in receiver)
    checkRoutingKey(receiver.pagerduty.routingKey, `${at}.pagerduty.routingKey`);
  else if ('email' in receiver) {
    checkAddresses(receiver.email.to, `${at}.email.to`);
    checkAddresses(receiver.email.from, `${at}.email.from`);
    checkHostPort(receiver.email.smarthost, `${at}.email.smarthost`);
  }
}

function receiverYaml(receiver: Receiver): Record<string, unknown> {
  checkReceiver(receiver);
  if ('webhook' in receiver)
    return {
      name: receiver.name,
      webhook_configs: [
        {
          url: receiver.webhook.url,
          send_resolved: receiver.webhook.sendResolved ?? true,
          ...(receiver.webhook.bearerTokenFile
            ? {
                http_config: {
                  authorization: {
                    type: 'Bearer',
                    credentials_file: receiver.webhook.bearerTokenFile,
                  },
                },
              }
            : {}),
        },
      ],
    };
  if ('slack' in receiver)
    return {
      name: receiver.name,
      slack_configs: [
        {
          api_url: receiver.slack.apiUrl,
          channel: receiver.slack.channel,
          send_resolved: true,
          title: receiver.slack.title ?? '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
          text:
            receiver.slack.text ??
            '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}{{ end }}\n{{ end }}',
        },
      ],
    };
  if ('pagerduty' in receiver)
    return {
      name: receiver.name,
      pagerduty_configs: [{ routing_key: receiver.pagerduty.routingKey }],
    };
  return {
    name: receiver.name,
    email_configs: [
      {
        to: receiver.email.to,
        from: receiver.email.from,
        smarthost: receiver.email.smarthost,
        require_tls: receiver.email.requireTls ?? true,
      },
    ],
  };
}

/**
 * An Alertmanager configuration (YAML) from routes and receivers, with the usual inhibition: a
 * critical alert silences the warnings of the same alertname. `amtool check-config` passes it.
 */
export function toAlertmanagerConfig(route: Route, receivers: readonly Receiver[]): string {
  const names = new Set<string>();
  for (const r of receivers) {
    if (names.has(r.name)) throw new ObsConfigError('receivers', `two receivers named ${r.name}`);
    names.add(r.name);
  }
  return stringify(
    {
      route: {
        group_by: ['alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        ...routeYaml(route, names),
      },
      receivers: receivers.map(receiverYaml),
      inhibit_rules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ['alertname'],
        },
      ],
    },
    { lineWidth: 0 },
  );
}
