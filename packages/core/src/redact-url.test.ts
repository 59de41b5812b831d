import { describe, expect, it } from '@jest/globals';
import { redactCredentials, redactQuery, redactUrl, sensitiveKeyMatcher } from './redact-url';

describe('sensitiveKeyMatcher', () => {
  it('asks core’s policy about one key, plus the caller’s paths', () => {
    expect(sensitiveKeyMatcher(['user.email'])('user.email')).toBe(true);
    expect(sensitiveKeyMatcher(['**.email'])('enduser.email')).toBe(true);
    const sensitive = sensitiveKeyMatcher(['**.*ssn*']);
    expect(
      ['app.api_key', 'http.request.header.authorization', 'user.ssn', 'password'].map(sensitive),
    ).toEqual([true, true, true, true]);
    expect(['http.route', 'max_tokens', 'workspace_id'].map(sensitive)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('redactQuery and redactUrl', () => {
  it('redacts signatures, OAuth codes and array-style keys too', () => {
    expect(redactQuery('X-Amz-Signature=abc&Signature=s&sig=1&code=c&token[]=t&page=2')).toBe(
      'X-Amz-Signature=REDACTED&Signature=REDACTED&sig=REDACTED&code=REDACTED&token[]=REDACTED&page=2',
    );
  });

  it('replaces the values of sensitive query keys, encoded or not', () => {
    expect(redactQuery('limit=5&api_key=s3cret&access%5Ftoken=t&flag')).toBe(
      'limit=5&api_key=REDACTED&access%5Ftoken=REDACTED&flag',
    );
  });

  it('drops credentials and the fragment from a URL, and redacts its query', () => {
    expect(redactUrl('https://admin:hunter2@db.example.com/x?password=p&a=1#frag')).toBe(
      'https://REDACTED:REDACTED@db.example.com/x?password=REDACTED&a=1',
    );
    expect(redactUrl('not a url?token=1')).toBe('not a url');
  });
});

describe('redactCredentials', () => {
  it('removes the passwords of URLs quoted in free text, and nothing else', () => {
    expect(
      redactCredentials('connect postgres://app:s3cret@db:5432/prod and redis://:pw@cache failed'),
    ).toBe('connect postgres://app:REDACTED@db:5432/prod and redis://:REDACTED@cache failed');
    expect(redactCredentials('see https://example.com/a:b@c')).toBe(
      'see https://example.com/a:b@c',
    );
  });
});
