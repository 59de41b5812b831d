import { describe, expect, it } from '@jest/globals';
import { hasPromtool, promtoolProblems, samples } from './exposition.fixture';
import { createMetrics } from './index';
import { parseCgroupMemory, parseNetDev } from './system';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
  eth0: 9876543    2000    0    0    0     0          0         0  5555555    1500    0    0    0     0       0          0
`;

describe('system metrics', () => {
  it('parse /proc/net/dev per interface', () => {
    expect(parseNetDev(NET_DEV)).toEqual([
      { iface: 'lo', rx: 123456, tx: 123456 },
      { iface: 'eth0', rx: 9876543, tx: 5555555 },
    ]);
  });

  it('read a cgroup memory limit only when one is set', () => {
    expect(parseCgroupMemory({ max: '536870912\n', current: '104857600\n' })).toEqual({
      limit: 536870912,
      usage: 104857600,
    });
    expect(parseCgroupMemory({ max: 'max\n', current: '1' })).toBeUndefined();
    expect(parseCgroupMemory({ max: '9223372036854771712', current: '1' })).toBeUndefined();
    expect(parseCgroupMemory({})).toBeUndefined();
  });

  it('appear in the scrape with live values, next to prom-client’s event-loop lag percentiles', async () => {
    const metrics = createMetrics({
      collectDefaultMetrics: { disks: ['/', '/no/such/mount'] },
      defaultLabels: {},
    });
    const text = await metrics.metricsText();
    const s = samples(text);
    expect(Number(s.get('system_load_average{period="1m"}'))).toBeGreaterThanOrEqual(0);
    expect(Number(s.get('system_memory_total_bytes'))).toBeGreaterThan(0);
    expect(Number(s.get('system_memory_available_bytes'))).toBeGreaterThan(0);
    expect(Number(s.get('system_disk_total_bytes{mount="/"}'))).toBeGreaterThan(0);
    expect(Number(s.get('system_disk_free_bytes{mount="/"}'))).toBeGreaterThan(0);
    expect(text).not.toContain('/no/such/mount');
    expect(
      [...s.keys()].some((k) => k.startsWith('system_network_receive_bytes_total{interface=')),
    ).toBe(true);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    if (hasPromtool) expect(promtoolProblems(text)).toBe('');
  });
});
