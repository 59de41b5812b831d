import { describe, expect, it } from '@jest/globals';
import { parseOtlpHeaders, resolveOptions } from './options';

describe('resolveOptions', () => {
  it('samples 10% in production and everything elsewhere, parent-based', () => {
    expect(resolveOptions({ service: { environment: 'production' } }, {}).sampler).toEqual({
      kind: 'ratio',
      ratio: 0.1,
      parentBased: true,
    });
    expect(resolveOptions({}, { NODE_ENV: 'development' }).sampler).toMatchObject({ ratio: 1 });
  });

  it('honours the OTEL_* variables, and an explicit option wins', () => {
    const env = {
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'billing',
    };
    expect(resolveOptions({}, env)).toMatchObject({
      sampler: { kind: 'ratio', ratio: 0.25, parentBased: false },
      exporter: 'otlp',
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/json',
      service: { name: 'billing' },
    });
    expect(resolveOptions({ sampleRatio: 0.5, endpoint: 'http://other:4318' }, env)).toMatchObject({
      sampler: { ratio: 0.5, parentBased: true },
      url: 'http://other:4318/v1/traces',
    });
    expect(
      resolveOptions({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }).url,
    ).toBe('http://c:4318/custom');
    expect(resolveOptions({}, {}).exporter).toBe('none');
  });

  it('rejects bad options naming them', () => {
    const bad: [object, Record<string, string>, string][] = [
      [{ sampleRatio: 2 }, {}, 'sampleRatio'],
      [{ exporter: 'zipkin' }, {}, 'exporter'],
      [{ endpoint: 'ftp://x' }, {}, 'endpoint'],
      [{ maxQueueSize: 0 }, {}, 'maxQueueSize'],
      [{ spanProcessors: [{}] }, {}, 'spanProcessors.0'],
      [{}, { OTEL_TRACES_SAMPLER_ARG: 'lots' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{}, { OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER'],
      [{}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    ];
    for (const [options, env, option] of bad) {
      expect(() => resolveOptions(options, env)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', option }),
      );
    }
  });

  it('parses OTEL_EXPORTER_OTLP_HEADERS as URL-encoded pairs', () => {
    expect(parseOtlpHeaders('api-key=a%3Db,x=1, y = 2 ,broken')).toEqual({
      'api-key': 'a=b',
      x: '1',
      y: '2',
    });
  });
});
