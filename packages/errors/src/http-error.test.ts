import { describe, expect, it } from '@jest/globals';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import {
  conflict,
  HttpError,
  notFound,
  toHttpError,
  toProblem,
  tooManyRequests,
} from './http-error';

describe('HttpError', () => {
  it('carries status, code, detail and headers; factories name the common ones', () => {
    const err = tooManyRequests('slow down', { headers: { 'retry-after': '30' } });
    expect(err).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      detail: 'slow down',
      headers: { 'retry-after': '30' },
    });
    expect(conflict('event e-1 exists', { code: 'EVENT_DUPLICATE' }).code).toBe('EVENT_DUPLICATE');
    expect(() => new HttpError(200)).toThrow(RangeError);
  });
});

describe('toHttpError', () => {
  it('maps a body the client stopped sending (Node: aborted, ECONNRESET) to 400, not 500', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(toHttpError(aborted)).toMatchObject({ status: 400, code: 'REQUEST_ABORTED' });
    expect(toHttpError(Object.assign(new Error('other'), { code: 'ECONNRESET' })).status).toBe(500);
  });

  it.each([
    ['an HttpError as is', notFound('gone'), 404, 'NOT_FOUND'],
    [
      'a zod error as 422',
      (() => {
        try {
          z.object({ a: z.number() }).parse({ a: 'x' });
        } catch (e) {
          return e;
        }
      })(),
      422,
      'VALIDATION_FAILED',
    ],
    [
      'a JSON parse error as 400',
      (() => {
        try {
          JSON.parse('{');
        } catch (e) {
          return e;
        }
      })(),
      400,
      'MALFORMED_JSON',
    ],
    [
      'Hono’s HTTPException with its status',
      new HTTPException(403, { message: 'no' }),
      403,
      'FORBIDDEN',
    ],
    [
      'a 413 HTTPException as content too large, the code payloadTooLarge() uses',
      new HTTPException(413),
      413,
      'CONTENT_TOO_LARGE',
    ],
    ['anything else as 500', 'a string', 500, 'INTERNAL'],
  ])('turns %s', (_name, thrown, status, code) => {
    expect(toHttpError(thrown, { bodyParseError: code === 'MALFORMED_JSON' })).toMatchObject({
      status,
      code,
    });
  });

  it('leaves a SyntaxError that is not the request body’s (an upstream’s bad JSON) a 500', () => {
    expect(toHttpError(new SyntaxError('Unexpected token < in JSON'))).toMatchObject({
      status: 500,
    });
  });

  it('ignores a status on errors that are not HTTPExceptions (an HTTP client’s upstream 404)', () => {
    const upstream = Object.assign(new Error('Not Found'), { status: 404 });
    expect(toHttpError(upstream)).toMatchObject({ status: 500 });
  });

  it('keeps an HTTPException’s headers (WWW-Authenticate)', () => {
    const res = new Response('unauthorized', {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="api"' },
    });
    expect(toHttpError(new HTTPException(401, { res })).headers).toEqual({
      'www-authenticate': 'Bearer realm="api"',
    });
  });

  it('keeps each zod issue’s field path', () => {
    const parsed = z
      .object({ events: z.array(z.object({ credits: z.number() })) })
      .safeParse({ events: [{ credits: 1 }, {}] });
    expect(toHttpError(parsed.error).errors).toEqual([
      { path: 'events.1.credits', message: expect.any(String), code: 'invalid_type' },
    ]);
  });
});

describe('toProblem', () => {
  it('hides a 5xx’s internals unless asked', () => {
    const err = toHttpError(new Error('secret table users_v2 missing'));
    expect(toProblem(err)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(toProblem(err, { exposeServerErrors: true }).detail).toBe(
      'secret table users_v2 missing',
    );
  });

  it('names types under typeBase', () => {
    expect(toProblem(notFound('x'), { typeBase: 'https://errors.example.com/' }).type).toBe(
      'https://errors.example.com/not-found',
    );
  });
});
