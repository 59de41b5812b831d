import { ObsConfigError } from '@obs/core';
import type { LogEntry } from '../destinations/destination';
import {
  Shipper,
  type ShipperOptions,
  type ShipperRequest,
  type ShippingDestination,
} from './shipper';

export interface HttpDestinationOptions extends ShipperOptions {
  /** Where to POST batches of JSON lines (`application/x-ndjson`). */
  url: string;
}

class HttpShipper extends Shipper {
  constructor(private readonly options: HttpDestinationOptions) {
    super('@obs/logging: http destination', options);
    if (typeof options.url !== 'string' || !URL.canParse(options.url)) {
      throw new ObsConfigError('destination.url', 'expected an http(s) URL');
    }
  }

  protected request(batch: readonly LogEntry[]): ShipperRequest {
    let body = '';
    for (const entry of batch) body += `${entry.line}\n`;
    return { url: this.options.url, body, contentType: 'application/x-ndjson' };
  }
}

/**
 * POSTs batches of records as JSON lines to any HTTP endpoint (Vector, Fluent Bit's http input,
 * Logstash's http input, a custom collector), in the background.
 */
export function httpDestination(options: HttpDestinationOptions): ShippingDestination {
  return new HttpShipper(options);
}
