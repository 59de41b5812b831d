/** A `Content-Length` header as a byte count, or undefined when absent or not a valid length. */
export function contentLength(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
