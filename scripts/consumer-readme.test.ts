import { describe, expect, it } from '@jest/globals';
import { readConsumerSpec } from './consumer-readme';

const fence = '```';

function readme({
  install = 'npm install @obs/core hono   # the app needs hono too',
  check = '[{ "request": "GET /", "status": 200, "includes": ["ok"] }]',
} = {}): string {
  return [
    '# @obs/core',
    '',
    '## Install',
    '',
    `${fence}sh`,
    install,
    fence,
    '',
    '## Usage',
    '',
    `${fence}ts`,
    "console.log('ok');",
    fence,
    '',
    `<!-- consumer-check: ${check} -->`,
    '',
    `${fence}ts`,
    'other();',
    fence,
    '',
    '## Options',
    '',
  ].join('\n');
}

describe('readConsumerSpec', () => {
  it('takes the install line, the first example and its checks', () => {
    expect(readConsumerSpec(readme())).toEqual({
      install: 'npm install @obs/core hono   # the app needs hono too',
      example: "console.log('ok');\n",
      checks: [{ request: 'GET /', status: 200, includes: ['ok'] }],
    });
  });

  it('accepts checks written over several lines, with every field', () => {
    const check = `[
      {
        "request": "POST /events",
        "headers": { "content-type": "application/json" },
        "body": "{}",
        "status": 201,
        "includes": ["ok"],
        "responseHeaders": { "x-request-id": "r1" },
        "output": ["request completed"]
      }
    ]`;
    expect(readConsumerSpec(readme({ check })).checks[0]).toMatchObject({
      request: 'POST /events',
      responseHeaders: { 'x-request-id': 'r1' },
    });
  });

  it('wants exactly one npm install line', () => {
    expect(() => readConsumerSpec(readme({ install: 'pnpm add @obs/core' }))).toThrow(
      '## Install: expected one `npm install` line, found 0',
    );
    expect(() => readConsumerSpec('# x\n## Usage\n')).toThrow('no "## Install" section');
  });

  it('wants the checks right after the first example', () => {
    const text = readme().replace('<!-- consumer-check', '\nSome prose.\n\n<!-- consumer-check');
    expect(() => readConsumerSpec(text)).toThrow('is not followed by <!-- consumer-check');
  });

  it('names what is wrong with a check', () => {
    expect(() => readConsumerSpec(readme({ check: '[]' }))).toThrow('must be a non-empty array');
    expect(() => readConsumerSpec(readme({ check: '[{' }))).toThrow('consumer-check is not JSON');
    const typo = '[{ "request": "GET metrics", "status": "200", "include": ["x"] }]';
    expect(() => readConsumerSpec(readme({ check: typo }))).toThrow(
      'consumer-check [0]: unknown key "include"; "request" must be "METHOD /path"; ' +
        '"status" must be an integer',
    );
  });
});
