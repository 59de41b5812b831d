import { ObsConfigError, resolveServiceInfo } from '@obs/core';
import type { LogEntry } from '../destinations/destination';
import {
  Shipper,
  type ShipperOptions,
  type ShipperRequest,
  type ShippingDestination,
} from './shipper';

export interface LokiDestinationOptions extends ShipperOptions {
  /** Loki's base URL (`http://loki:3100`) or the full push URL. */
  url: string;
  /**
   * The `service` and `environment` labels. @default the service of the logger the destination
   * is given to (the first one, when several share it); core's `resolveServiceInfo()` until then
   */
  service?: { name?: string; environment?: string };
}

const PUSH_PATH = '/loki/api/v1/push';

class LokiShipper extends Shipper {
  private readonly url: string;
  private labels: { service: string; environment: string };
  /** Whether the labels may still follow a logger's service (none was given here). */
  private adoptable: boolean;

  constructor(options: LokiDestinationOptions) {
    super('@obs/logging: loki destination', options);
    if (typeof options.url !== 'string' || !URL.canParse(options.url)) {
      throw new ObsConfigError('destination.url', 'expected the Loki URL, e.g. http://loki:3100');
    }
    const base = options.url.replace(/\/+$/, '');
    this.url = base.endsWith(PUSH_PATH) ? base : `${base}${PUSH_PATH}`;
    const service = resolveServiceInfo(options.service);
    this.labels = { service: service.name, environment: service.environment };
    this.adoptable = options.service === undefined;
  }

  useService(service: { readonly name: string; readonly environment: string }): void {
    if (!this.adoptable) return;
    this.adoptable = false;
    this.labels = { service: service.name, environment: service.environment };
  }

  private lastMs = 0;
  private sameMs = 0;

  /**
   * Records have millisecond times; Loki drops a line identical to one with the same timestamp.
   * Records within one millisecond get successive nanoseconds, so identical lines all arrive.
   */
  private nanoseconds(ms: number): string {
    this.sameMs = ms === this.lastMs ? this.sameMs + 1 : 0;
    this.lastMs = ms;
    return (BigInt(ms) * 1_000_000n + BigInt(this.sameMs)).toString();
  }

  /**
   * One stream per level: the labels are service, environment and level only. Anything with
   * many values (request, user, route) stays inside the line, where LogQL's `| json` finds it.
   */
  protected request(batch: readonly LogEntry[]): ShipperRequest {
    const streams = new Map<string, [string, string][]>();
    for (const entry of batch) {
      let values = streams.get(entry.level);
      if (!values) streams.set(entry.level, (values = []));
      values.push([this.nanoseconds(entry.time), entry.line]);
    }
    const body = JSON.stringify({
      streams: [...streams].map(([level, values]) => ({
        stream: { ...this.labels, level },
        values,
      })),
    });
    return { url: this.url, body, contentType: 'application/json' };
  }
}

/**
 * Ships records to Grafana Loki's push API (`POST /loki/api/v1/push`, JSON), in batches, in the
 * background.
 *
 * @example
 * ```ts
 * createLogger({ destination: ['stdout', lokiDestination({ url: 'http://loki:3100' })] });
 * ```
 */
export function lokiDestination(options: LokiDestinationOptions): ShippingDestination {
  return new LokiShipper(options);
}
