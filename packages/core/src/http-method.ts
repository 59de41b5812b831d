/** What unknown HTTP methods are reported as, so junk methods add no metric series or span names. */
export const OTHER_HTTP_METHOD = '_OTHER';

const KNOWN = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/**
 * The method as telemetry reports it: one of the nine standard methods, else `_OTHER` (the HTTP
 * semantic conventions' value, also used as the metric label).
 */
export function httpMethodLabel(method: string): string {
  return KNOWN.has(method) ? method : OTHER_HTTP_METHOD;
}
