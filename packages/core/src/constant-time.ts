import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret the caller sent with the expected one in time that does not depend on where
 * they differ, so response timing says nothing about how much of a guess was right.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
