import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import type { Alert } from './engine';
import { emailNotifier, pagerDutyNotifier, slackNotifier } from './integrations';

const alert: Alert = {
  id: 'a1',
  name: 'HighErrorRate',
  fingerprint: 'HighErrorRate{service="api"}',
  state: 'firing',
  severity: 'critical',
  labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'api' },
  annotations: {
    summary: 'Error rate 12%',
    description: '12% of requests fail',
    runbook_url: 'https://runbooks.example.com/high-error-rate',
  },
  value: 0.12,
  source: 'rule',
  activeAt: 0,
  startsAt: 0,
  endsAt: undefined,
  lastNotifiedAt: undefined,
  silencedUntil: undefined,
  acknowledgedBy: undefined,
};

describe('Slack and PagerDuty', () => {
  const received: { url: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(req.url === '/v2/enqueue' ? 202 : 200).end('{}');
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  it('posts a Slack message with the severity colour, description and runbook link', async () => {
    await slackNotifier({ webhookUrl: `${base}/services/T/B/X` }).notify(alert, 'firing');
    const body = received.at(-1)!.body as {
      text: string;
      attachments: { color: string; blocks: { text?: { text: string } }[] }[];
    };
    expect(body.text).toBe('CRITICAL: Error rate 12%');
    expect(body.attachments[0]!.color).toBe('#d1242f');
    expect(JSON.stringify(body.attachments[0]!.blocks)).toContain(
      '<https://runbooks.example.com/high-error-rate|Runbook>',
    );
    await slackNotifier({ webhookUrl: `${base}/services/T/B/X` }).notify(alert, 'resolved');
    expect((received.at(-1)!.body as { text: string }).text).toBe('RESOLVED: Error rate 12%');
  });

  it('triggers and resolves a PagerDuty event with one dedup key', async () => {
    const pd = pagerDutyNotifier({
      routingKey: '0123456789abcdef0123456789abcdef',
      url: `${base}/v2/enqueue`,
    });
    await pd.notify(alert, 'firing');
    await pd.notify(alert, 'resolved');
    const [trigger, resolve] = received.slice(-2).map((r) => r.body);
    expect(trigger).toMatchObject({
      routing_key: '0123456789abcdef0123456789abcdef',
      event_action: 'trigger',
      dedup_key: alert.fingerprint,
      payload: { summary: 'Error rate 12%', severity: 'critical', source: 'api' },
      links: [{ href: 'https://runbooks.example.com/high-error-rate' }],
    });
    expect(resolve).toEqual({
      routing_key: '0123456789abcdef0123456789abcdef',
      event_action: 'resolve',
      dedup_key: alert.fingerprint,
    });
    expect(() => pagerDutyNotifier({ routingKey: 'short' })).toThrow(
      expect.objectContaining({ option: 'routingKey' }),
    );
  });
});

describe('email over SMTP', () => {
  const mails: { from: string; to: string[]; data: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        done();
      });
    },
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it('sends a message the SMTP server receives, with state and severity in the subject', async () => {
    const email = emailNotifier({
      smtp: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
      from: 'alerts@example.com',
      to: ['oncall@example.com'],
    });
    try {
      await email.notify(alert, 'firing');
    } finally {
      email.close();
    }
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: 'alerts@example.com', to: ['oncall@example.com'] });
    expect(mails[0]!.data).toMatch(/^Subject: \[CRITICAL\] Error rate 12%/m);
    expect(mails[0]!.data).toContain('Runbook: https://runbooks.example.com/high-error-rate');
  });
});
