/** Whether `f` returns without throwing: our side of an accept-or-refuse comparison. */
export function accepts(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}
