import { ObsConfigError } from '@obs/core';
import type { LogEntry } from '../destinations/destination';
import {
  Shipper,
  type ShipperOptions,
  type ShipperRequest,
  type ShippingDestination,
} from './shipper';

export interface ElasticsearchDestinationOptions extends ShipperOptions {
  /** The cluster URL (`http://es:9200`); records go to `POST <url>/_bulk`. */
  url: string;
  /** Daily indices are named `<indexPrefix>-YYYY.MM.DD` (UTC). @default 'logs' */
  indexPrefix?: string;
}

interface BulkItem {
  status?: number;
}

/**
 * The line with a top-level `@timestamp` field of its own renamed `field_@timestamp`, as the
 * logger renames fields that clash with its own keys. The shipper's `@timestamp` (the record's
 * time) wins: it picks the daily index and Kibana's time filter, so it must agree with
 * `timestamp`, and a field that is not a date would make Elasticsearch refuse the document.
 */
function ownStampRenamed(line: string): string {
  // `"@timestamp":` can only end a key (in a string value the quote would be escaped): the slow,
  // exact path runs only for lines with such a key, at any depth.
  if (!line.includes('"@timestamp":')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (!Object.hasOwn(record, '@timestamp')) return line;
  let name = 'field_@timestamp';
  while (Object.hasOwn(record, name)) name = `field_${name}`;
  // fromEntries defines properties: a `__proto__` field stays a field.
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(record).map(([key, value]) => [key === '@timestamp' ? name : key, value]),
    ),
  );
}

class ElasticsearchShipper extends Shipper {
  private readonly url: string;
  private readonly prefix: string;
  protected override readsBody = true;

  constructor(options: ElasticsearchDestinationOptions) {
    super('@obs/logging: elasticsearch destination', options);
    if (typeof options.url !== 'string' || !URL.canParse(options.url)) {
      throw new ObsConfigError('destination.url', 'expected the cluster URL, e.g. http://es:9200');
    }
    const prefix = options.indexPrefix ?? 'logs';
    // Elasticsearch index names: lowercase, no spaces or \ / * ? " < > | , #, not starting with - _ +
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(prefix)) {
      throw new ObsConfigError('destination.indexPrefix', 'expected a lowercase index name prefix');
    }
    this.url = `${options.url.replace(/\/+$/, '')}/_bulk`;
    this.prefix = prefix;
  }

  private index(time: number): string {
    const iso = new Date(time).toISOString();
    return `${this.prefix}-${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
  }

  /** NDJSON: an action line, then the document with `@timestamp` first, each ending in \n. */
  protected request(batch: readonly LogEntry[]): ShipperRequest {
    let body = '';
    for (const entry of batch) {
      const stamp = new Date(entry.time).toISOString();
      body += `{"index":{"_index":"${this.index(entry.time)}"}}\n{"@timestamp":"${stamp}",${ownStampRenamed(entry.line).slice(1)}\n`;
    }
    return { url: this.url, body, contentType: 'application/x-ndjson' };
  }

  /** `_bulk` answers 200 with per-item statuses: retry 429/5xx items, drop the rest that failed. */
  protected override partialFailures(batch: readonly LogEntry[], body: string) {
    const retry: LogEntry[] = [];
    let dropped = 0;
    let parsed: { errors?: boolean; items?: Record<string, BulkItem>[] };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return { retry, dropped };
    }
    if (!parsed.errors) return { retry, dropped };
    parsed.items?.forEach((item, i) => {
      const status = Object.values(item)[0]?.status ?? 200;
      if (status < 300) return;
      if (status === 429 || status >= 500) retry.push(batch[i]!);
      else dropped++;
    });
    return { retry, dropped };
  }
}

/**
 * Ships records to Elasticsearch or OpenSearch with the `_bulk` API, into daily indices
 * (`<indexPrefix>-YYYY.MM.DD`, seed 004's aggregator), in batches, in the background.
 */
export function elasticsearchDestination(
  options: ElasticsearchDestinationOptions,
): ShippingDestination {
  return new ElasticsearchShipper(options);
}
