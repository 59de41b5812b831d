import { basename } from 'node:path';

/** Where a log call came from: seed 001's `module`, `function` and `line`. */
export interface CallerInfo {
  module: string;
  function: string;
  line: number;
}

function structured(_: Error, frames: NodeJS.CallSite[]): NodeJS.CallSite[] {
  return frames;
}

/**
 * The frame `depth` calls above the caller of this function (0: that caller itself). Reads V8's structured call sites
 * rather than the formatted stack, which skips the (source-map aware) formatting that made a
 * capture cost ~30 µs; lines are those of the JavaScript that runs. Still microseconds: opt-in.
 */
export function callerAt(depth: number): CallerInfo | undefined {
  const holder: { stack?: NodeJS.CallSite[] } = {};
  const { stackTraceLimit } = Error;
  // Saved to be put back as it was, never called here.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const prepareStackTrace = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = structured;
    Error.stackTraceLimit = depth + 1;
    Error.captureStackTrace(holder, callerAt);
    const site = holder.stack?.[depth];
    if (!site) return undefined;
    const file = site.getFileName() ?? '<unknown>';
    const name = site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>';
    return {
      module: basename(file.replace(/^file:\/\//, '')),
      function: name.split('.').at(-1)!,
      line: site.getLineNumber() ?? 0,
    };
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}
