import { readFile, statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';
import type { Registry, RegistryContentType } from 'prom-client';
import { withLabels, type MetricKind, type Sample, type Snapshot } from './metric';

/** The container's memory limit and usage from cgroup v2 or v1, when the limit is visible. */
export function parseCgroupMemory(files: {
  max?: string;
  current?: string;
}): { limit: number; usage: number } | undefined {
  const limit = Number(files.max?.trim());
  const usage = Number(files.current?.trim());
  // v2 writes "max" when unlimited; v1 writes a huge number (a page-aligned 2^63).
  if (!Number.isFinite(limit) || limit <= 0 || limit >= 2 ** 60 || !Number.isFinite(usage))
    return undefined;
  return { limit, usage };
}

/** Bytes received and sent per interface, from Linux's /proc/net/dev. */
export function parseNetDev(text: string): { iface: string; rx: number; tx: number }[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => /^\s*([^:\s]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ iface: m[1]!, rx: Number(m[2]), tx: Number(m[3]) }));
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function cgroupMemory(): Promise<{ limit: number; usage: number } | undefined> {
  return (
    parseCgroupMemory({
      max: await readOptional('/sys/fs/cgroup/memory.max'),
      current: await readOptional('/sys/fs/cgroup/memory.current'),
    }) ??
    parseCgroupMemory({
      max: await readOptional('/sys/fs/cgroup/memory/memory.limit_in_bytes'),
      current: await readOptional('/sys/fs/cgroup/memory/memory.usage_in_bytes'),
    })
  );
}

/**
 * A metric computed at scrape time: prom-client's registry (and our writer) read it via get().
 * Each describes the host (or container), which every cluster worker reads alike: the cluster
 * aggregator takes the first worker's values instead of summing them.
 */
function collector(
  name: string,
  help: string,
  type: MetricKind,
  labels: Readonly<Record<string, string>>,
  collect: () => Promise<Sample[]>,
) {
  return {
    name,
    help,
    type,
    aggregator: 'first' as const,
    async get(): Promise<Snapshot> {
      return { name, help, type, aggregator: 'first', values: withLabels(await collect(), labels) };
    },
    reset: () => undefined,
  };
}

/**
 * Seed 002/004's resource metrics, computed at each scrape: load average, memory (the container's
 * limit when a cgroup sets one), disk space per mount (`statfs`), and network bytes per interface
 * (Linux `/proc/net/dev`; skipped where it cannot be read). `labels` go on every series.
 */
export function registerSystemMetrics(
  registry: Registry<RegistryContentType>,
  mounts: readonly string[],
  labels: Readonly<Record<string, string>>,
): void {
  const add = (c: ReturnType<typeof collector>) =>
    registry.registerMetric(c as unknown as Parameters<typeof registry.registerMetric>[0]);
  add(
    collector(
      'system_load_average',
      'System load average over 1, 5 and 15 minutes.',
      'gauge',
      labels,
      () => {
        const [one, five, fifteen] = loadavg();
        return Promise.resolve([
          { labels: { period: '1m' }, value: one! },
          { labels: { period: '5m' }, value: five! },
          { labels: { period: '15m' }, value: fifteen! },
        ]);
      },
    ),
  );
  add(
    collector(
      'system_memory_total_bytes',
      'Memory this process can use: the cgroup limit when set, else the host total.',
      'gauge',
      labels,
      async () => {
        const cg = await cgroupMemory();
        return [{ labels: {}, value: cg ? Math.min(cg.limit, totalmem()) : totalmem() }];
      },
    ),
  );
  add(
    collector(
      'system_memory_available_bytes',
      'Memory still available: below the cgroup limit when set, else free on the host.',
      'gauge',
      labels,
      async () => {
        const cg = await cgroupMemory();
        return [
          {
            labels: {},
            value: cg ? Math.max(0, Math.min(cg.limit - cg.usage, freemem())) : freemem(),
          },
        ];
      },
    ),
  );
  const disk = async (
    pick: (s: { blocks: number; bfree: number; bavail: number; bsize: number }) => number,
  ) => {
    const out: Sample[] = [];
    for (const mount of mounts) {
      try {
        out.push({ labels: { mount }, value: pick(await statfs(mount)) });
      } catch {
        // A mount that is gone is simply not reported this time.
      }
    }
    return out;
  };
  add(
    collector(
      'system_disk_total_bytes',
      'Size of each configured filesystem, in bytes.',
      'gauge',
      labels,
      () => disk((s) => s.blocks * s.bsize),
    ),
  );
  add(
    collector(
      'system_disk_free_bytes',
      'Space available to unprivileged users on each configured filesystem, in bytes.',
      'gauge',
      labels,
      () => disk((s) => s.bavail * s.bsize),
    ),
  );
  const net = async (pick: 'rx' | 'tx') => {
    const text = await readOptional('/proc/net/dev');
    return text
      ? parseNetDev(text).map((i) => ({ labels: { interface: i.iface }, value: i[pick] }))
      : [];
  };
  add(
    collector(
      'system_network_receive_bytes_total',
      'Bytes received per network interface.',
      'counter',
      labels,
      () => net('rx'),
    ),
  );
  add(
    collector(
      'system_network_transmit_bytes_total',
      'Bytes sent per network interface.',
      'counter',
      labels,
      () => net('tx'),
    ),
  );
}
