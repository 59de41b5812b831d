// Redaction of a typical log payload: 20 fields over 2 nested levels.
// Anchor: @pinojs/redact, the redactor pino ships, given the same exact paths.
// Target (issue 2): ≥ 500k redactions/s for our default policy.
import redactPino from '@pinojs/redact';
import { bench, do_not_optimize, run, summary } from 'mitata';
import { createRedactor } from '../src/index';

const payload = {
  id: 'evt_01HZX',
  type: 'credits.consumed',
  user_id: 'u_42',
  workspace_id: 'w_7',
  credits: 12,
  ok: true,
  at: '2026-11-22T10:00:00.000Z',
  password: 'hunter2',
  token: 'tok_abc',
  headers: {
    authorization: 'Bearer abc',
    'content-type': 'application/json',
    'user-agent': 'curl/8.0',
    cookie: 'sid=1',
  },
  user: { name: 'Ada', email: 'ada@example.com', api_key: 'k_1', plan: 'pro' },
  agent: { id: 'a_1', model: 'gpt', max_tokens: 512 },
};

const exactPaths = ['password', 'token', 'headers.authorization', 'headers.cookie', 'user.api_key'];

const ours = createRedactor();
const oursExact = createRedactor({ defaults: false, paths: exactPaths });
const pino = redactPino({ paths: exactPaths, serialize: false });

summary(() => {
  bench('@pinojs/redact (exact paths)', () => do_not_optimize(pino(payload))).baseline(true);
  bench('@obs/core createRedactor (same exact paths)', () => do_not_optimize(oursExact(payload)));
  bench('@obs/core createRedactor (default policy, any depth)', () =>
    do_not_optimize(ours(payload)),
  );
});

const { benchmarks } = await run({ colors: false });
for (const trial of benchmarks) {
  const avg = trial.runs[0]?.stats?.avg;
  if (avg)
    console.log(`${trial.alias}: ${Math.round(1e9 / avg).toLocaleString('en')} redactions/s`);
}
