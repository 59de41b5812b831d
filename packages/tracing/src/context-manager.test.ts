import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { context, createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { getContext, runWithContext } from '@obs/core';
import { ObsContextManager } from './context-manager';

const KEY = createContextKey('a value, as a span would be');

let manager: ObsContextManager;
beforeEach(() => {
  manager = new ObsContextManager().enable();
  context.setGlobalContextManager(manager);
});
afterEach(() => {
  context.disable();
});

describe('ObsContextManager', () => {
  it("answers the request's frame: its @obs context and its OpenTelemetry values", () => {
    runWithContext({ requestId: 'r1' }, () => {
      context.with(context.active().setValue(KEY, 'v'), () => {
        expect(getContext()?.requestId).toBe('r1');
        expect(context.active().getValue(KEY)).toBe('v');
      });
    });
  });

  it('attach() then dispose() leaves the frame exactly as it was, even when there was none', () => {
    const fromRequest = runWithContext({ requestId: 'A', userId: 'u-a' }, () =>
      context.active().setValue(KEY, 'span-of-A'),
    );
    expect(getContext()).toBeUndefined();
    const token = manager.attach(fromRequest);
    expect(getContext()?.requestId).toBe('A');
    expect(context.active().getValue(KEY)).toBe('span-of-A');
    token.dispose();
    expect(getContext()).toBeUndefined(); // no request's identity left behind
    expect(context.active()).toBe(ROOT_CONTEXT);
  });

  it('attach() inside a unit of work keeps its identity and dispose() restores its frame', () => {
    runWithContext({ requestId: 'job' }, () => {
      const before = context.active();
      const token = manager.attach(ROOT_CONTEXT.setValue(KEY, 'x'));
      expect(getContext()?.requestId).toBe('job');
      expect(context.active().getValue(KEY)).toBe('x');
      token.dispose();
      expect(context.active()).toBe(before);
    });
  });

  it('treats a missing context (loosely typed callers) as ROOT_CONTEXT, never throwing', () => {
    runWithContext({ requestId: 'r2' }, () => {
      const bound = context.bind(undefined as unknown as Context, () => getContext()?.requestId);
      expect(bound()).toBe('r2');
    });
  });
});
