import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { answerClientErrors } from './client-error';

let server: Server;
let port: number;
beforeAll(async () => {
  // Like the demo, the handler reads the whole body before it answers.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  answerClientErrors(server);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((res) => server.close(() => res())));

/** Sends raw bytes, half-closes, and resolves with everything the server wrote back. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => (out += chunk.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

describe('answerClientErrors', () => {
  it.each([
    [
      'a bare LF inside a header value',
      'GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\nb\r\n\r\n',
      400,
    ],
    [
      'a broken chunked body',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
    ],
    [
      'a body shorter than its Content-Length',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"',
      400,
    ],
    [
      'headers over the limit',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
  ])('answers %s with problem+json', async (_kind, request, status) => {
    const response = await raw(request);
    const [head = '', body = ''] = response.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status, detail: expect.any(String) });
  });

  it('still serves well-formed requests', async () => {
    expect(await raw('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/ok$/);
  });
});
