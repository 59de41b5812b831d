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
    ['a 413 HTTPException as payload too large', new HTTPException(413), 413, 'PAYLOAD_TOO_LARGE'],
    ['anything else as 500', 'a string', 500, 'INTERNAL'],
  ])('turns %s', (_name, thrown, status, code) => {
    expect(toHttpError(thrown)).toMatchObject({ status, code });
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
