// Handlers that throw what is not an Error (`throw 'boom'`, `Promise.reject(null)`), for the tests
// of every package that answers a request's error: the same four values everywhere.

/** The thrown plain object: its contents (a password) must never reach a response or a report. */
export const THROWN_OBJECT = { code: 42, password: 'hunter2' };

/** `[label, handler, what it throws]`. */
export const THROWN: [string, () => never | Promise<never>, unknown][] = [
  [
    'a string',
    () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is tested
      throw 'boom';
    },
    'boom',
  ],
  [
    'a plain object',
    () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is tested
      throw THROWN_OBJECT;
    },
    THROWN_OBJECT,
  ],
  [
    'undefined',
    () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is tested
      throw undefined;
    },
    undefined,
  ],
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what is tested
  ['null, rejected by an async handler', () => Promise.reject(null), null],
];
