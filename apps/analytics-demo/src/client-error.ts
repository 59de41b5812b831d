// Requests Node's HTTP parser refuses before any handler runs (a CR or LF inside a header value,
// a broken chunked encoding, a body cut short, headers too large) are answered like every other
// error: problem+json with a clear detail, rather than Node's bare `400 Bad Request` and no body.
import type { Duplex } from 'node:stream';
import { statusTitle } from '@obs/errors';

interface ClientErrorSource {
  on(
    event: 'clientError',
    listener: (err: Error & { code?: string }, socket: Duplex) => void,
  ): unknown;
}

function answer(code: string | undefined): { status: number; detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, detail: 'The request headers are too large.' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, detail: 'The request was not received in time.' };
  return {
    status: 400,
    detail: `The request is not valid HTTP/1.1 (${code ?? 'parse error'}).`,
  };
}

/** Answers the server's `clientError`s with problem+json (what Node would do, with a body). */
export function answerClientErrors(server: ClientErrorSource): void {
  server.on('clientError', (err, socket) => {
    // Gone, or a response already begun on this connection: nothing sensible can be written.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, detail } = answer(err.code);
    const title = statusTitle(status);
    const body = JSON.stringify({
      type: 'about:blank',
      title,
      status,
      code: title.toUpperCase().replaceAll(' ', '_'),
      detail,
    });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
