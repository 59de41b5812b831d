import { describe, expect, it } from '@jest/globals';
import { createRedactor, DEFAULT_REDACT_PATHS } from './redact';

const R = '[REDACTED]';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('createRedactor: path kinds', () => {
  it('redacts exact paths from the root, case-insensitively', () => {
    const redact = createRedactor({ defaults: false, paths: ['headers.x-session', 'body.ssn'] });
    expect(
      redact({
        headers: { 'X-Session': 'abc', accept: 'json' },
        body: { ssn: '123-45-6789', name: 'Ada' },
        ssn: 'root level is not the path',
      }),
    ).toEqual({
      headers: { 'X-Session': R, accept: 'json' },
      body: { ssn: R, name: 'Ada' },
      ssn: 'root level is not the path',
    });
  });

  it('matches one level, and only one, with *', () => {
    const redact = createRedactor({ defaults: false, paths: ['*.pin'] });
    expect(redact({ pin: 1, card: { pin: 2 }, a: { b: { pin: 3 } } })).toEqual({
      pin: 1,
      card: { pin: R },
      a: { b: { pin: 3 } },
    });
  });

  it('matches any depth, zero included, with **', () => {
    const redact = createRedactor({ defaults: false, paths: ['**.pin'] });
    expect(redact({ pin: 1, card: { pin: 2 }, a: { b: { c: { pin: 3 }, keep: 4 } } })).toEqual({
      pin: R,
      card: { pin: R },
      a: { b: { c: { pin: R }, keep: 4 } },
    });
  });

  it('matches key patterns case-insensitively', () => {
    const redact = createRedactor({ defaults: false, paths: ['**.*token*', 'meta.x-*-id'] });
    expect(
      redact({
        accessToken: 'a',
        nested: { REFRESH_TOKEN: 'b', tokenizer: 'c', other: 'd' },
        meta: { 'X-Tenant-Id': 'e', 'x-trace': 'f' },
      }),
    ).toEqual({
      accessToken: R,
      nested: { REFRESH_TOKEN: R, tokenizer: R, other: 'd' },
      meta: { 'X-Tenant-Id': R, 'x-trace': 'f' },
    });
  });

  it('treats array indices as keys: * and ** walk into arrays, digits match exactly', () => {
    const redact = createRedactor({
      defaults: false,
      paths: ['users.*.email', 'cards.0.number', '**.otp'],
    });
    expect(
      redact({
        users: [
          { email: 'a@x', id: 1 },
          { email: 'b@x', id: 2 },
        ],
        cards: [{ number: '4111' }, { number: '5500' }],
        deep: [[{ otp: '123456' }]],
      }),
    ).toEqual({
      users: [
        { email: R, id: 1 },
        { email: R, id: 2 },
      ],
      cards: [{ number: R }, { number: '5500' }],
      deep: [[{ otp: R }]],
    });
  });

  it('redacts whole subtrees and array values without walking them', () => {
    const redact = createRedactor({ defaults: false, paths: ['credentials', 'tags'] });
    expect(redact({ credentials: { user: 'u', pass: 'p' }, tags: ['a', 'b'], keep: true })).toEqual(
      {
        credentials: R,
        tags: R,
        keep: true,
      },
    );
  });

  it('leaves undefined values alone and censors null and falsy values', () => {
    const redact = createRedactor();
    expect(redact({ password: undefined, token: null, secret: '' })).toEqual({
      password: undefined,
      token: R,
      secret: R,
    });
  });
});

describe('createRedactor: the default list', () => {
  const redact = createRedactor();

  it('redacts credentials at any depth', () => {
    const input = {
      password: 'p',
      user: { passwd: 'p', newPassword: 'p', name: 'Ada' },
      client_secret: 's',
      token: 't',
      access_token: 't',
      csrfToken: 't',
      api_key: 'k',
      apiKey: 'k',
      headers: {
        authorization: 'Bearer x',
        'proxy-authorization': 'Basic y',
        cookie: 'sid=1',
        'set-cookie': ['sid=1'],
        'x-api-key': 'k',
        accept: '*/*',
      },
      payment: { credit_card: '4111111111111111', cardNumber: '4111', cvv: '123', amount: 10 },
      ssh: { private_key: '-----BEGIN' },
    };
    expect(redact(input)).toEqual({
      password: R,
      user: { passwd: R, newPassword: R, name: 'Ada' },
      client_secret: R,
      token: R,
      access_token: R,
      csrfToken: R,
      api_key: R,
      apiKey: R,
      headers: {
        authorization: R,
        'proxy-authorization': R,
        cookie: R,
        'set-cookie': R,
        'x-api-key': R,
        accept: '*/*',
      },
      payment: { credit_card: R, cardNumber: R, cvv: R, amount: 10 },
      ssh: { private_key: R },
    });
  });

  it('catches plural, hyphenated and infix forms of credential keys', () => {
    const input = {
      cookies: { sid: '1' },
      tokens: ['a', 'b'],
      refresh_token_id: 'r',
      'x-auth-token-v2': 'x',
      'credit-card': '4111',
      'card-number': '4111',
      'private-key': 'k',
    };
    const out = redact(input) as Record<string, unknown>;
    for (const key of Object.keys(input)) expect(out[key]).toBe(R);
  });

  it('matches keys that contain newlines', () => {
    expect(redact({ 'password\n': 'p', '\napi_key': 'k', 'x\nsecret': 's' })).toEqual({
      'password\n': R,
      '\napi_key': R,
      'x\nsecret': R,
    });
  });

  it('keeps look-alikes that are not credentials', () => {
    const input = {
      max_tokens: 512,
      token_count: 3,
      prompt_tokens: 10,
      author: 'x',
      cookies_accepted: true,
    };
    expect(redact(input)).toEqual(input);
  });

  it('can be turned off, keeping only the given paths', () => {
    expect(createRedactor({ defaults: false })({ password: 'p' })).toEqual({ password: 'p' });
    expect(DEFAULT_REDACT_PATHS.length).toBeGreaterThan(10);
  });
});

describe('createRedactor: copies, never mutates', () => {
  it('returns a fresh copy and leaves a deeply frozen input untouched', () => {
    const input = deepFreeze({
      user: { name: 'Ada', password: 'p', roles: ['admin', { token: 't' }] },
      list: [1, 2, 3],
    });
    const snapshot = JSON.parse(JSON.stringify(input)) as unknown;
    const out = createRedactor()(input) as typeof input;
    expect(JSON.parse(JSON.stringify(input))).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.user).not.toBe(input.user);
    expect(out.list).not.toBe(input.list);
    expect(out.user.roles[1]).toEqual({ token: R });
  });

  it('passes primitives through', () => {
    const redact = createRedactor();
    for (const v of [1, 'x', true, null, undefined, 10n]) expect(redact(v)).toBe(v);
  });

  it('keeps dates and buffers as they are', () => {
    const when = new Date(0);
    const buf = Buffer.from('hi');
    const out = createRedactor()({ when, buf }) as { when: Date; buf: Buffer };
    expect(out.when).toBe(when);
    expect(out.buf).toBe(buf);
  });

  it('walks Maps (keys included), Sets and errors, keeping their types', () => {
    const cause = Object.assign(new Error('inner'), {
      config: { headers: { authorization: 'Bearer z' } },
    });
    const err = Object.assign(new Error('request failed', { cause }), { token: 't', status: 500 });
    const out = createRedactor()({
      map: new Map<unknown, unknown>([
        ['secret', 's'],
        ['keep', 'k'],
        [{ password: 'in a key' }, 'v'],
      ]),
      set: new Set([{ password: 'p' }]),
      err,
    }) as { map: Map<unknown, unknown>; set: Set<unknown>; err: Error & Record<string, unknown> };
    expect([...out.map]).toEqual([
      ['secret', R],
      ['keep', 'k'],
      [{ password: R }, 'v'],
    ]);
    expect([...out.set]).toEqual([{ password: R }]);
    expect(out.err).toBeInstanceOf(Error);
    expect(out.err.message).toBe('request failed');
    expect(out.err.stack).toBe(err.stack);
    expect(out.err.token).toBe(R);
    expect(out.err.status).toBe(500);
    expect((out.err.cause as Record<string, unknown>).config).toEqual({
      headers: { authorization: R },
    });
    expect(Object.keys(out.err)).toEqual(['token', 'status']);
    expect((err as unknown as Record<string, unknown>).token).toBe('t');
  });

  it('turns class instances into plain objects of their own fields', () => {
    class Account {
      #pin = 1234;
      constructor(
        readonly id: number,
        readonly password: string,
      ) {}
      pin(): number {
        return this.#pin;
      }
    }
    const out = createRedactor()({ account: new Account(7, 'hunter2') }) as {
      account: Record<string, unknown>;
    };
    expect(Object.getPrototypeOf(out.account)).toBe(Object.prototype);
    expect(out.account).toEqual({ id: 7, password: R });
  });

  it('serializes objects with toJSON the way JSON.stringify would, then redacts', () => {
    class Secretive {
      #token = 'hidden';
      toJSON() {
        return { token: this.#token, kind: 'secretive' };
      }
    }
    const out = createRedactor()({ url: new URL('https://h.example/p?q=1'), s: new Secretive() });
    expect(out).toEqual({ url: 'https://h.example/p?q=1', s: { token: R, kind: 'secretive' } });
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('copies the entries of URLSearchParams and Headers, redacting credentials', () => {
    const out = createRedactor()({
      query: new URLSearchParams('api_key=k&page=2&tag=a&tag=b'),
      headers: new Headers({ Authorization: 'Bearer x', Accept: 'json' }),
    });
    expect(out).toEqual({
      query: { api_key: R, page: '2', tag: ['a', 'b'] },
      headers: { authorization: R, accept: 'json' },
    });
  });

  it('does not let a __proto__ key change the copy prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const out = createRedactor()(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('createRedactor: hostile shapes', () => {
  it('replaces cycles with [Circular] and keeps shared references', () => {
    const shared = { v: 1 };
    const a: Record<string, unknown> = { name: 'a', shared, again: shared, password: 'p' };
    a.self = a;
    a.list = [a, shared];
    const out = createRedactor()(a);
    expect(out).toEqual({
      name: 'a',
      shared: { v: 1 },
      again: { v: 1 },
      password: R,
      self: '[Circular]',
      list: ['[Circular]', { v: 1 }],
    });
  });

  it('cuts nesting past 100 levels instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    let out = createRedactor()(deep) as Record<string, unknown>;
    let depth = 0;
    while (typeof out.next === 'object') {
      out = out.next as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(99);
    expect(out.next).toBe('[Truncated: nesting limit]');
  });

  it('bounds the work on deeply shared structures', () => {
    let node: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) node = { a: node, b: node };
    // 2^40 paths lead to the leaf; the walk stops after a fixed number of objects instead.
    expect(JSON.stringify(createRedactor()(node))).toContain('[Truncated: size limit]');
  });

  it('marks a getter that throws instead of throwing', () => {
    const input = {
      ok: 1,
      get boom(): never {
        throw new Error('nope');
      },
    };
    expect(createRedactor()(input)).toEqual({ ok: 1, boom: '[Unreadable: getter threw]' });
  });

  it('falls back to the default censor when a censor function throws', () => {
    const redact = createRedactor({
      censor: () => {
        throw new Error('bad censor');
      },
    });
    expect(redact({ password: 'p' })).toEqual({ password: R });
  });

  it('gives a censor function the value and its path', () => {
    const calls: [unknown, readonly string[]][] = [];
    const redact = createRedactor({
      defaults: false,
      paths: ['users.*.card'],
      censor: (value, path) => {
        calls.push([value, path]);
        return `****${String(value).slice(-4)}`;
      },
    });
    expect(redact({ users: [{ card: '4111111111111111' }] })).toEqual({
      users: [{ card: '****1111' }],
    });
    expect(calls).toEqual([['4111111111111111', ['users', '0', 'card']]]);
  });

  it('stays correct past its per-key memo (many distinct keys)', () => {
    const redact = createRedactor();
    const input: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) input[`k${i}`] = 'v';
    input.password = 'p';
    const out = redact(input) as Record<string, string>;
    expect(out.password).toBe(R);
    expect(out.k4999).toBe('v');
    expect(Object.keys(out)).toHaveLength(5001);
  });
});

describe('createRedactor: options', () => {
  it.each([
    [{ paths: 'password' }, 'paths'],
    [{ paths: ['ok', 3] }, 'paths[1]'],
    [{ paths: ['a..b'] }, 'paths[0]'],
    [{ paths: ['a.**'] }, 'paths[0]'],
    [{ censor: 42 }, 'censor'],
    [{ defaults: 'yes' }, 'defaults'],
  ])('rejects %j with ObsConfigError naming %s', (options, option) => {
    expect(() => createRedactor(options as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', option }),
    );
  });

  it('uses a custom censor string', () => {
    expect(createRedactor({ censor: '***' })({ token: 't' })).toEqual({ token: '***' });
  });
});
