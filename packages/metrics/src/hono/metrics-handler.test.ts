import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { createMetrics } from '../index';
import { metricsHandler } from './index';

const metrics = createMetrics({ collectDefaultMetrics: false });

/** What the factory threw, for matching its fields. */
function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('metricsHandler auth', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.METRICS_TOKEN;
    delete process.env.METRICS_TOKEN;
  });
  afterEach(() => {
    if (saved !== undefined) process.env.METRICS_TOKEN = saved;
  });

  it('names auth.bearer when the token’s environment variable is unset', () => {
    expect(
      thrownBy(() => metricsHandler({ metrics, auth: { bearer: process.env.METRICS_TOKEN! } })),
    ).toMatchObject({
      name: 'ObsConfigError',
      code: 'CONFIG_INVALID',
      option: 'auth.bearer',
      message: 'Invalid option "auth.bearer": expected a non-empty string, received undefined',
    });
  });

  it.each([
    [
      'an empty token',
      { bearer: '' },
      'auth.bearer',
      'expected a non-empty string, received an empty string',
    ],
    [
      'no password',
      { username: 'prom', password: undefined },
      'auth.password',
      'expected a non-empty string, received undefined',
    ],
    [
      'no username',
      { username: undefined, password: 's3cret' },
      'auth.username',
      'expected a non-empty string, received undefined',
    ],
    [
      'a password alone',
      { password: 's3cret' },
      'auth.username',
      'expected a non-empty string, received undefined',
    ],
    ['neither shape', {}, 'auth', 'expected { bearer } or { username, password }'],
    [
      'a bare string',
      't0ken',
      'auth',
      'expected { bearer } or { username, password }, received string',
    ],
    ['null', null, 'auth', 'expected { bearer } or { username, password }, received null'],
  ])('%s: names the part of auth that is wrong', (_what, auth, option, problem) => {
    expect(thrownBy(() => metricsHandler({ metrics, auth: auth as never }))).toMatchObject({
      option,
      message: `Invalid option "${option}": ${problem}`,
    });
  });

  it('answers 401 without the token and 200 with it, for bearer and basic credentials', async () => {
    const app = new Hono();
    app.get('/metrics', metricsHandler({ metrics, auth: { bearer: 't0ken' } }));
    app.get('/basic', metricsHandler({ metrics, auth: { username: 'prom', password: 's3cret' } }));
    expect((await app.request('/metrics')).status).toBe(401);
    expect(
      (await app.request('/metrics', { headers: { authorization: 'Bearer t0ken' } })).status,
    ).toBe(200);
    const basic = `Basic ${Buffer.from('prom:s3cret').toString('base64')}`;
    expect((await app.request('/basic', { headers: { authorization: basic } })).status).toBe(200);
    expect(
      (await app.request('/basic', { headers: { authorization: 'Bearer t0ken' } })).status,
    ).toBe(401);
  });
});

describe('metricsHandler options', () => {
  it.each([
    [
      'no options',
      undefined,
      '(options)',
      'expected { metrics, auth?, gzip? }, received undefined',
    ],
    [
      'no metrics',
      {},
      'metrics',
      'expected the object returned by createMetrics(), received undefined',
    ],
    [
      'gzip from the environment',
      { metrics, gzip: 'false' },
      'gzip',
      'expected true or false, received string',
    ],
  ])('%s: names the option', (_what, options, option, problem) => {
    expect(thrownBy(() => metricsHandler(options as never))).toMatchObject({
      option,
      message: `Invalid option "${option}": ${problem}`,
    });
  });
});
