import { describe, expect, it } from '@jest/globals';
import type { ErrorEvent } from '@sentry/node';
import { createScrubber } from './scrub';

const scrub = createScrubber([]);
const event = (request: ErrorEvent['request'], extra?: Partial<ErrorEvent>): ErrorEvent => ({
  type: undefined,
  request,
  ...extra,
});

describe('createScrubber', () => {
  it('redacts JSON and form bodies key by key, and drops bodies it cannot check', () => {
    expect(scrub.event(event({ data: '{"user":"a","password":"hunter2"}' })).request!.data).toBe(
      '{"user":"a","password":"[REDACTED]"}',
    );
    expect(scrub.event(event({ data: 'user=a&password=hunter2&flag' })).request!.data).toBe(
      'user=a&password=REDACTED&flag',
    );
    for (const body of ['--boundary\r\npassword=x', '<pass>hunter2</pass>', 'hunter2 as text'])
      expect(scrub.event(event({ data: body })).request!.data).toMatch(/^\[body removed/);
  });

  it('redacts session, CSRF and auth headers, cookies and query strings', () => {
    const { request } = scrub.event(
      event({
        headers: {
          authorization: 'Bearer t',
          'x-session-id': 's',
          'x-csrf-token': 'c',
          accept: 'json',
        },
        cookies: { sid: 'abc' },
        query_string: 'token=t&page=2',
        url: 'https://u:p@api.example.com/x?api_key=k',
      }),
    );
    expect(request).toEqual({
      headers: {
        authorization: '[REDACTED]',
        'x-session-id': '[REDACTED]',
        'x-csrf-token': '[REDACTED]',
        accept: 'json',
      },
      cookies: { sid: '[REDACTED]' },
      query_string: 'token=REDACTED&page=2',
      url: 'https://REDACTED:REDACTED@api.example.com/x?api_key=REDACTED',
    });
  });

  it('removes credentials from exception values and breadcrumb messages', () => {
    const out = scrub.event(
      event(undefined, {
        exception: {
          values: [
            { type: 'Error', value: 'GET https://api/x?api_key=SECRET via postgres://a:PW@db' },
          ],
        },
        breadcrumbs: [
          {
            message: 'connect redis://:PW@cache',
            data: { url: 'https://h/p?token=T', 'http.query': 'token=T' },
          },
        ],
      }),
    );
    expect(JSON.stringify(out)).not.toMatch(/SECRET|PW@|=T\b/);
  });
});
