/** Log levels, least to most severe. The numbers are pino's, so filters translate directly. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export type LevelName = (typeof LEVELS)[number];

export const LEVEL_VALUES: Readonly<Record<LevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** A level name in any case (`'WARN'`, `'warning'` is not one), or undefined. */
export function parseLevel(value: string): LevelName | undefined {
  const lower = value.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(lower) ? (lower as LevelName) : undefined;
}
