import { createTransport, type Transporter } from 'nodemailer';
// The full file name: ESM resolution (node16/nodenext) finds no directory index, and the
// published .d.ts keeps this specifier as written.
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Alert, NotificationKind, Notifier } from './engine';
import {
  checkAddresses,
  checkRoutingKey,
  checkUrl,
  deliver,
  type DeliveryOptions,
} from './notifiers';

const COLORS = { critical: '#d1242f', warning: '#d4a72c', info: '#0969da', resolved: '#1a7f37' };

export interface SlackNotifierOptions extends DeliveryOptions {
  /** The incoming webhook URL (https://hooks.slack.com/services/…). */
  webhookUrl: string;
  name?: string;
}

/** A Slack message as an incoming webhook takes it: severity colour, summary, description, runbook. */
export function slackMessage(alert: Readonly<Alert>, kind: NotificationKind) {
  const title = `${kind === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase()}: ${alert.annotations.summary ?? alert.name}`;
  const fields = Object.entries(alert.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `*${k}*: ${v}`)
    .join('  ·  ');
  return {
    text: title,
    attachments: [
      {
        color: kind === 'resolved' ? COLORS.resolved : COLORS[alert.severity],
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `*${title}*\n${alert.annotations.description ?? ''}`.trim(),
            },
          },
          ...(fields ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: fields }] }] : []),
          ...(alert.annotations.runbook_url
            ? [
                {
                  type: 'section',
                  text: { type: 'mrkdwn', text: `<${alert.annotations.runbook_url}|Runbook>` },
                },
              ]
            : []),
        ],
      },
    ],
  };
}

export function slackNotifier(options: SlackNotifierOptions): Notifier {
  checkUrl(options.webhookUrl, 'webhookUrl');
  return {
    name: options.name ?? 'slack',
    notify: (alert, kind) => deliver(options.webhookUrl, slackMessage(alert, kind), options),
  };
}

export interface PagerDutyNotifierOptions extends DeliveryOptions {
  /** The integration's routing key (Events API v2). */
  routingKey: string;
  /** @default https://events.pagerduty.com/v2/enqueue */
  url?: string;
  /** `payload.source`: the service. @default the alert's `service` label, else 'obs' */
  source?: string;
  name?: string;
}

const PD_SEVERITY = { critical: 'critical', warning: 'warning', info: 'info' } as const;

/** PagerDuty Events API v2: trigger on firing, resolve on resolve, deduplicated by fingerprint. */
export function pagerDutyNotifier(options: PagerDutyNotifierOptions): Notifier {
  checkRoutingKey(options.routingKey, 'routingKey');
  const url = options.url ?? 'https://events.pagerduty.com/v2/enqueue';
  checkUrl(url, 'url');
  return {
    name: options.name ?? 'pagerduty',
    notify: (alert, kind) =>
      deliver(
        url,
        {
          routing_key: options.routingKey,
          event_action: kind === 'firing' ? 'trigger' : 'resolve',
          dedup_key: alert.fingerprint,
          ...(kind === 'firing'
            ? {
                payload: {
                  summary: (alert.annotations.summary ?? alert.name).slice(0, 1024),
                  severity: PD_SEVERITY[alert.severity],
                  source: options.source ?? alert.labels.service ?? 'obs',
                  component: alert.labels.route,
                  custom_details: { ...alert.labels, ...alert.annotations, value: alert.value },
                },
                ...(alert.annotations.runbook_url
                  ? { links: [{ href: alert.annotations.runbook_url, text: 'Runbook' }] }
                  : {}),
              }
            : {}),
        },
        options,
      ),
  };
}

export interface EmailNotifierOptions {
  /** nodemailer SMTP options, e.g. `{ host, port, secure, auth: { user, pass } }`, or a transport. */
  smtp: SMTPTransport.Options | Transporter;
  from: string;
  to: string | string[];
  name?: string;
}

/** Email over SMTP (nodemailer): subject with state and severity, text body with the details. */
export function emailNotifier(options: EmailNotifierOptions): Notifier & { close(): void } {
  checkAddresses(options.from, 'from');
  checkAddresses(options.to, 'to');
  const transport =
    typeof (options.smtp as Transporter).sendMail === 'function'
      ? (options.smtp as Transporter)
      : createTransport(options.smtp as SMTPTransport.Options);
  return {
    name: options.name ?? 'email',
    async notify(alert, kind) {
      const state = kind === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
      await transport.sendMail({
        from: options.from,
        to: options.to,
        subject: `[${state}] ${alert.annotations.summary ?? alert.name}`,
        text: [
          alert.annotations.description ?? '',
          '',
          ...Object.entries(alert.labels).map(([k, v]) => `${k}: ${v}`),
          alert.annotations.runbook_url ? `\nRunbook: ${alert.annotations.runbook_url}` : '',
        ].join('\n'),
      });
    },
    close: () => transport.close(),
  };
}
