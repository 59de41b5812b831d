import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, jest } from '@jest/globals';
import type * as contextModule from './context';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  bindContext,
  contextScope,
  getContext,
  otelContextStore,
  runWithContext,
  updateContext,
} from './context';

type ContextModule = typeof contextModule;

describe('runWithContext / getContext', () => {
  it('is undefined outside any context', () => {
    expect(getContext()).toBeUndefined();
  });

  it('survives await, timers, nextTick, setImmediate and promise chains', async () => {
    const seen = await runWithContext({ requestId: 'r1' }, async () => {
      const out: (string | undefined)[] = [];
      await sleep(1);
      out.push(getContext()?.requestId);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          out.push(getContext()?.requestId);
          resolve();
        }, 1),
      );
      await new Promise<void>((resolve) =>
        process.nextTick(() => {
          out.push(getContext()?.requestId);
          resolve();
        }),
      );
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          out.push(getContext()?.requestId);
          resolve();
        }),
      );
      const chained = await Promise.resolve()
        .then(() => sleep(1))
        .then(() => getContext()?.requestId);
      out.push(chained);
      return out;
    });
    expect(seen).toEqual(['r1', 'r1', 'r1', 'r1', 'r1']);
  });

  it('gives a frozen context with attributes defaulting to {}', () => {
    runWithContext({ userId: 'u1' }, () => {
      const ctx = getContext()!;
      expect(ctx.attributes).toEqual({});
      expect(Object.isFrozen(ctx)).toBe(true);
      expect(Object.isFrozen(ctx.attributes)).toBe(true);
    });
  });

  it('keeps a __proto__ attribute as an own key, not a prototype', () => {
    const attributes = JSON.parse('{"__proto__": {"evil": 1}, "job": "x"}') as Record<
      string,
      string
    >;
    runWithContext({ attributes }, () => {
      const attrs = getContext()!.attributes as Record<string, unknown>;
      expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
      expect(attrs.evil).toBeUndefined();
      expect(Object.keys(attrs)).toEqual(['__proto__', 'job']);
    });
  });

  it('does not let a later change to the init object leak in', () => {
    const attributes: Record<string, string> = { job: 'rollup' };
    runWithContext({ attributes }, () => {
      attributes.job = 'changed';
      expect(getContext()?.attributes.job).toBe('rollup');
    });
  });

  it('replaces the enclosing context in a nested run, and restores it afterwards', () => {
    runWithContext({ requestId: 'outer', userId: 'u1' }, () => {
      runWithContext({ requestId: 'inner' }, () => {
        expect(getContext()).toEqual({ requestId: 'inner', attributes: {} });
      });
      expect(getContext()?.requestId).toBe('outer');
    });
  });

  it('keeps 100 interleaved concurrent units of work apart', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        runWithContext({ requestId: `req-${i}`, userId: `user-${i}` }, async () => {
          const seen: string[] = [];
          for (let step = 0; step < 3; step++) {
            await sleep((i * 7 + step * 13) % 5);
            const ctx = getContext();
            seen.push(`${ctx?.requestId}/${ctx?.userId}`);
          }
          return seen;
        }),
      ),
    );
    results.forEach((seen, i) => {
      expect(seen).toEqual(Array(3).fill(`req-${i}/user-${i}`));
    });
  });
});

describe('updateContext', () => {
  it('is seen by code that runs later in the same unit of work, even across awaits', async () => {
    await runWithContext({ requestId: 'r1' }, async () => {
      const later = (async () => {
        await sleep(5);
        return getContext()?.userId;
      })();
      await sleep(1);
      expect(updateContext({ userId: 'u9', workspaceId: 'w3' })).toBe(true);
      expect(await later).toBe('u9');
      expect(getContext()).toMatchObject({ requestId: 'r1', userId: 'u9', workspaceId: 'w3' });
    });
  });

  it('merges attributes key by key', () => {
    runWithContext({ attributes: { a: 1, b: 'x' } }, () => {
      updateContext({ attributes: { b: 'y', c: true } });
      expect(getContext()?.attributes).toEqual({ a: 1, b: 'y', c: true });
    });
  });

  it('does not touch another unit of work', async () => {
    await Promise.all([
      runWithContext({ requestId: 'a' }, async () => {
        updateContext({ userId: 'ua' });
        await sleep(2);
        expect(getContext()?.userId).toBe('ua');
      }),
      runWithContext({ requestId: 'b' }, async () => {
        await sleep(1);
        expect(getContext()?.userId).toBeUndefined();
      }),
    ]);
  });

  it('returns false and changes nothing outside a context', () => {
    expect(updateContext({ userId: 'nobody' })).toBe(false);
    expect(getContext()).toBeUndefined();
  });
});

describe('bindContext', () => {
  it('ties an EventEmitter listener to the context it was bound in', async () => {
    const emitter = new EventEmitter();
    const seen: (string | undefined)[] = [];
    runWithContext({ requestId: 'subscriber' }, () => {
      emitter.on(
        'bound',
        bindContext(() => seen.push(getContext()?.requestId)),
      );
      emitter.on('unbound', () => seen.push(getContext()?.requestId));
    });
    await runWithContext({ requestId: 'emitter' }, async () => {
      await sleep(1);
      emitter.emit('bound');
      emitter.emit('unbound');
    });
    expect(seen).toEqual(['subscriber', 'emitter']);
  });

  it('sees updates made to the bound context after binding', () => {
    runWithContext({ requestId: 'r' }, () => {
      const read = bindContext(() => getContext()?.userId);
      updateContext({ userId: 'late' });
      expect(runWithContext({}, read)).toBe('late');
    });
  });

  it('passes arguments and return values through', () => {
    const add = runWithContext({}, () => bindContext((a: number, b: number) => a + b));
    expect(add(2, 3)).toBe(5);
  });

  it('returns the function unchanged outside a context', () => {
    const fn = () => 1;
    expect(bindContext(fn)).toBe(fn);
  });
});

describe('duplicate copies of @obs/core (ESM and CJS builds, two versions)', () => {
  it('share one context store', () => {
    let first: ContextModule | undefined;
    let second: ContextModule | undefined;
    jest.isolateModules(() => {
      first = jest.requireActual<ContextModule>('./context');
    });
    jest.isolateModules(() => {
      second = jest.requireActual<ContextModule>('./context');
    });
    expect(first).not.toBe(second);
    first!.runWithContext({ requestId: 'from-first-copy' }, () => {
      expect(second!.getContext()?.requestId).toBe('from-first-copy');
    });
  });
});

describe('contextScope', () => {
  it('is one object per unit of work, unchanged by updateContext, and absent outside', async () => {
    expect(contextScope()).toBeUndefined();
    const [a, b] = await Promise.all(
      ['r1', 'r2'].map((requestId) =>
        runWithContext({ requestId }, async () => {
          const before = contextScope();
          updateContext({ userId: 'u' });
          await new Promise((resolve) => setTimeout(resolve, 1));
          expect(contextScope()).toBe(before);
          return before;
        }),
      ),
    );
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
  });
});

describe('otelContextStore: one frame for the @obs context and an OpenTelemetry context', () => {
  const SPAN = createContextKey('a span, as OpenTelemetry keys it');

  it("holds the @obs context inside the frame's OpenTelemetry context", () => {
    expect(otelContextStore.active()).toBeUndefined();
    runWithContext({ requestId: 'r1' }, () => {
      const derived = otelContextStore.active()!.setValue(SPAN, 'span-1');
      otelContextStore.run(derived, () => {
        expect(getContext()?.requestId).toBe('r1');
        expect(otelContextStore.active()?.getValue(SPAN)).toBe('span-1');
      });
    });
  });

  it('keeps an enclosing OpenTelemetry value inside runWithContext', () => {
    otelContextStore.run(ROOT_CONTEXT.setValue(SPAN, 'outer'), () => {
      runWithContext({ requestId: 'job' }, () => {
        expect(otelContextStore.active()?.getValue(SPAN)).toBe('outer');
        expect(getContext()?.requestId).toBe('job');
      });
    });
  });

  it("keeps the unit of work's context in a context built from ROOT_CONTEXT", async () => {
    await runWithContext({ requestId: 'r2' }, async () => {
      const scope = contextScope();
      await otelContextStore.run(ROOT_CONTEXT, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        updateContext({ userId: 'u2' });
        expect(getContext()).toMatchObject({ requestId: 'r2', userId: 'u2' });
        expect(contextScope()).toBe(scope);
      });
      // The update made inside is the unit of work's: seen after the inner frame ended.
      expect(getContext()?.userId).toBe('u2');
    });
  });

  it("runs a context captured in another unit of work with that unit's context", () => {
    const captured = runWithContext({ requestId: 'a' }, () => otelContextStore.active()!);
    runWithContext({ requestId: 'b' }, () => {
      otelContextStore.run(captured, () => expect(getContext()?.requestId).toBe('a'));
      expect(getContext()?.requestId).toBe('b');
    });
  });

  it('binds a callback to one frame, OpenTelemetry values included, while a manager is enabled', () => {
    otelContextStore.managed(true);
    try {
      const listener = otelContextStore.run(ROOT_CONTEXT.setValue(SPAN, 's'), () =>
        runWithContext({ requestId: 'r3' }, () =>
          bindContext(() => [getContext()?.requestId, otelContextStore.active()?.getValue(SPAN)]),
        ),
      );
      expect(listener()).toEqual(['r3', 's']);
    } finally {
      otelContextStore.managed(false);
    }
  });
});
