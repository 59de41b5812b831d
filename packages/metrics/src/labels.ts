import { ObsConfigError } from '@obs/core';
import { nonEmptyString } from './options';

export type LabelValues = Readonly<Record<string, string | number>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkMetricName(value: unknown, option = 'name'): string {
  const name = nonEmptyString(value, option);
  if (!METRIC_NAME.test(name))
    throw new ObsConfigError(option, `"${name}" is not a valid Prometheus metric name`);
  return name;
}

export function checkLabelNames(names: unknown, option = 'labelNames'): readonly string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names)) throw new ObsConfigError(option, 'expected an array of label names');
  for (const value of names as unknown[]) {
    const n = nonEmptyString(value, option);
    if (!LABEL_NAME.test(n) || n.startsWith('__'))
      throw new ObsConfigError(option, `"${n}" is not a valid label name`);
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
