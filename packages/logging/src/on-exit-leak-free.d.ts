declare module 'on-exit-leak-free' {
  /** Calls `fn(obj, event)` on process exit while `obj` is alive; holds `obj` only weakly. */
  export function register<T extends object>(obj: T, fn: (obj: T, event: 'exit') => void): void;
  export function unregister(obj: object): void;
}
