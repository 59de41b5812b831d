import { ObsConfigError } from '@obs/core';

export type LabelValues = Readonly<Record<string, string | number>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkMetricName(name: unknown, option = 'name'): string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new ObsConfigError(option, `"${String(name)}" is not a valid Prometheus metric name`);
  }
  return name;
}

export function checkLabelNames(names: unknown, option = 'labelNames'): readonly string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names)) throw new ObsConfigError(option, 'expected an array of label names');
  for (const n of names as unknown[]) {
    if (typeof n !== 'string' || !LABEL_NAME.test(n) || n.startsWith('__')) {
      throw new ObsConfigError(option, `"${String(n)}" is not a valid label name`);
    }
  }
  if (new Set(names).size !== names.length)
    throw new ObsConfigError(option, 'duplicate label names');
  return names as string[];
}

/** A label value as the text exposition format writes it: backslash, quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

/** `a="1",b="x"`, in the given name order: rendered once per series, reused at every scrape. */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    out += `${i ? ',' : ''}${names[i]}="${escapeLabelValue(values[i]!)}"`;
  }
  return out;
}
