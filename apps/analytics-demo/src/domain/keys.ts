// API keys: 32 random bytes, shown once, stored only as a SHA-256 hash. A key this long cannot be
// guessed, so a fast hash is enough (a slow one protects short passwords, not random keys), and
// it lets a request find its key with one indexed lookup.
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'obs_';

export function generateApiKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A token that could be one of our keys (cheap check before any lookup). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(PREFIX) && token.length === PREFIX.length + 43;
}
