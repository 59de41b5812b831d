import { describe, expect, it } from '@jest/globals';
import { resolveServiceInfo } from './service-info';

describe('resolveServiceInfo', () => {
  it('falls back to the documented defaults with an empty environment', () => {
    const info = resolveServiceInfo({}, {});
    expect(info).toMatchObject({
      name: 'unknown-service',
      version: 'unknown',
      environment: 'development',
    });
    expect(info.instanceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads OTEL_SERVICE_NAME before SERVICE_NAME, ENVIRONMENT before NODE_ENV', () => {
    const env = {
      OTEL_SERVICE_NAME: 'otel-name',
      SERVICE_NAME: 'plain-name',
      APP_VERSION: '1.4.2',
      ENVIRONMENT: 'staging',
      NODE_ENV: 'production',
    };
    expect(resolveServiceInfo({}, env)).toMatchObject({
      name: 'otel-name',
      version: '1.4.2',
      environment: 'staging',
    });
    expect(
      resolveServiceInfo({}, { SERVICE_NAME: 'plain-name', NODE_ENV: 'production' }),
    ).toMatchObject({
      name: 'plain-name',
      environment: 'production',
    });
  });

  it('ignores blank environment values', () => {
    expect(resolveServiceInfo({}, { OTEL_SERVICE_NAME: '  ', SERVICE_NAME: 'svc' }).name).toBe(
      'svc',
    );
  });

  it('lets explicit options win over the environment', () => {
    const info = resolveServiceInfo(
      { name: 'api', version: '2.0.0', environment: 'test', instanceId: 'pod-7' },
      { OTEL_SERVICE_NAME: 'env-name', APP_VERSION: '1.0.0', ENVIRONMENT: 'production' },
    );
    expect(info).toEqual({
      name: 'api',
      version: '2.0.0',
      environment: 'test',
      instanceId: 'pod-7',
    });
  });

  it('keeps one instance id for the whole process', () => {
    expect(resolveServiceInfo({}, {}).instanceId).toBe(resolveServiceInfo({}, {}).instanceId);
  });

  it('rejects an empty or non-string option with ObsConfigError naming it', () => {
    expect(() => resolveServiceInfo({ name: '' })).toThrow('Invalid option "service.name"');
    expect(() => resolveServiceInfo({ version: 3 as unknown as string })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', option: 'service.version' }),
    );
  });
});
