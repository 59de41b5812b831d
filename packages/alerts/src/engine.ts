import { randomUUID } from 'node:crypto';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { checkRouteTimings } from './notifiers';
import { matcher, parseDuration, type Matchers } from './query';
import type { Rule, Severity } from './rules';
import { renderTemplate } from './rules';
import { SampleHistory, type MetricSource } from './source';

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'silenced' | 'resolved';

export interface Alert {
  id: string;
  /** The rule name (or the manual alert's title): Alertmanager's `alertname`. */
  name: string;
  /** Rule + labels: one alert per fingerprint at a time. */
  fingerprint: string;
  state: AlertState;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The query's value when last evaluated. */
  value: number | undefined;
  source: 'rule' | 'manual' | 'alertmanager';
  /** When the condition first held (ms). */
  activeAt: number;
  /** When it started firing (ms). */
  startsAt: number | undefined;
  endsAt: number | undefined;
  lastNotifiedAt: number | undefined;
  silencedUntil: number | undefined;
  acknowledgedBy: string | undefined;
}

export type NotificationKind = 'firing' | 'resolved';

/** Delivers alerts somewhere; the engine never waits for it. */
export interface Notifier {
  readonly name: string;
  notify(alert: Readonly<Alert>, kind: NotificationKind): Promise<void>;
  /**
   * A group of alerts in one message (routes with `groupBy`); without it, the alerts of a group
   * are sent one by one, at the group's pace.
   */
  notifyGroup?(
    alerts: readonly Readonly<Alert>[],
    kind: NotificationKind,
    groupLabels: Record<string, string>,
  ): Promise<void>;
}

/** Where alerts live; in memory by default, the demo keeps them in its database. */
export interface AlertStore {
  save(alert: Alert): void | Promise<void>;
  /** Past alerts, newest first. */
  history(limit: number): Alert[] | Promise<Alert[]>;
}

/** Alerts in memory, with the last `limit` resolved ones as history. */
export function memoryStore(limit = 1000): AlertStore {
  const past: Alert[] = [];
  return {
    save(alert) {
      if (alert.state !== 'resolved') return;
      past.unshift({ ...alert });
      if (past.length > limit) past.length = limit;
    },
    history: (n) => past.slice(0, n),
  };
}

/** An alert as Alertmanager's webhook carries it. */
export interface ExternalAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/**
 * Which notifiers get an alert, as Alertmanager routes it: the tree is walked depth first; a
 * route whose matchers all hold takes the alert, and its first matching child (unless that one
 * says `continue`) refines it; with no matching child the route's own receiver gets it.
 */
export interface AlertRoute {
  /** A notifier's name. */
  receiver: string;
  /** Labels the alert must match: `{ severity: 'critical' }`, `{ service: /api|web/ }`, `{ env: { not: 'dev' } }`. */
  matchers?: Matchers;
  /** After matching, go on to the next sibling routes too. @default false */
  continue?: boolean;
  /**
   * Alerts with equal values of these labels go out together, as one group (inherited by child
   * routes, as in Alertmanager). Without it, each alert goes out on its own, at once.
   */
  groupBy?: string[];
  /** How long a new group waits for more alerts before its first message. @default '30s' */
  groupWait?: string;
  /** How long a group waits before a message about alerts added to it. @default '5m' */
  groupInterval?: string;
  routes?: AlertRoute[];
}

/** A route an alert reached, with the grouping it inherits. */
interface Reached {
  receiver: string;
  groupBy: string[] | undefined;
  groupWaitMs: number;
  groupIntervalMs: number;
}

/** A route tree with its matchers compiled and its timings checked and parsed, once. */
interface CompiledRoute {
  receiver: string;
  matches: (labels: Readonly<Record<string, string>>) => boolean;
  continue: boolean;
  /** The grouping an alert reaching this route gets, the parent's where this one sets none. */
  grouping: Omit<Reached, 'receiver'>;
  routes: CompiledRoute[];
}

const ROOT_GROUPING: Omit<Reached, 'receiver'> = {
  groupBy: undefined,
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
};

/**
 * Compiles `route` and its children; throws ObsConfigError on timings Alertmanager refuses and on
 * RegExp flags it cannot have.
 */
function compileRoute(r: AlertRoute, parent = ROOT_GROUPING): CompiledRoute {
  checkRouteTimings(r);
  const grouping = {
    groupBy: r.groupBy ?? parent.groupBy,
    groupWaitMs: r.groupWait ? parseDuration(r.groupWait, 'groupWait') : parent.groupWaitMs,
    groupIntervalMs: r.groupInterval
      ? parseDuration(r.groupInterval, 'groupInterval')
      : parent.groupIntervalMs,
  };
  return {
    receiver: r.receiver,
    matches: matcher(r.matchers),
    continue: r.continue === true,
    grouping,
    routes: (r.routes ?? []).map((child) => compileRoute(child, grouping)),
  };
}

/** The receivers `labels` reach through `route` (Alertmanager's semantics, without grouping). */
function reach(route: CompiledRoute, labels: Readonly<Record<string, string>>): Reached[] {
  const walk = (r: CompiledRoute): Reached[] => {
    const out: Reached[] = [];
    for (const child of r.routes) {
      if (!child.matches(labels)) continue;
      out.push(...walk(child));
      if (!child.continue) break;
    }
    return out.length ? out : [{ receiver: r.receiver, ...r.grouping }];
  };
  return route.matches(labels) ? walk(route) : [];
}

/** The receivers `labels` reach through `route` (Alertmanager's tree semantics). */
export function routeReceivers(
  route: AlertRoute,
  labels: Readonly<Record<string, string>>,
): string[] {
  return [...new Set(reach(compileRoute(route), labels).map((r) => r.receiver))];
}

export interface AlertEngineOptions {
  source: MetricSource;
  rules: readonly Rule[];
  /** @default 1000 */
  intervalMs?: number;
  notifiers?: readonly Notifier[];
  /** Which notifiers get which alert; without it every notifier gets every alert. */
  routes?: AlertRoute;
  /**
   * A firing critical alert keeps the warnings of the same alertname quiet (Alertmanager's usual
   * inhibition). @default true
   */
  inhibitWarnings?: boolean;
  store?: AlertStore;
  /** Firing alerts are notified again this often. @default 4 h */
  repeatIntervalMs?: number;
  /** How long `updateAlert(id, { state: 'silenced' })` silences (a silence always ends). @default 1 h */
  defaultSilenceMs?: number;
  /** @default Date.now (tests pass a fake clock) */
  now?: () => number;
}

export interface NotificationStats {
  sent: number;
  failed: number;
}

export interface AlertEngine {
  /** Evaluates every rule once (the timer calls this every `intervalMs`). */
  tick(): Promise<void>;
  start(): void;
  stop(): void;
  /** Active alerts (not resolved), optionally filtered. */
  alerts(filter?: { state?: AlertState; severity?: Severity }): Alert[];
  history(limit?: number): Promise<Alert[]>;
  get(id: string): Alert | undefined;
  acknowledge(id: string, by?: string): Alert | undefined;
  silence(id: string, durationMs: number): Alert | undefined;
  resolveAlert(id: string, message?: string): Alert | undefined;
  /** Seed 003's `trigger_alert`: a manual alert, firing at once. */
  triggerAlert(
    title: string,
    message: string,
    severity: Severity,
    context?: Record<string, string>,
  ): Alert;
  /** Seed 003's `update_alert`. */
  updateAlert(id: string, change: { state?: AlertState; message?: string }): Alert | undefined;
  /**
   * Alerts from an Alertmanager webhook (`POST /alerts/webhook`) into the same store: firing ones
   * become (or stay) active alerts with source 'alertmanager', resolved ones resolve.
   */
  ingest(alerts: readonly ExternalAlert[]): void;
  /** Notifications sent and failed, per notifier. */
  stats(): Record<string, NotificationStats>;
  /** Resolves when every notification and store write started so far has settled (tests, shutdown). */
  idle(): Promise<void>;
}

/** How long idle() and history() wait for one write of the alert store. */
const STORE_TIMEOUT_MS = 5000;

/** A new alert: the fields that start empty are filled in. */
function newAlert(
  fields: Omit<Alert, 'id' | 'endsAt' | 'lastNotifiedAt' | 'silencedUntil' | 'acknowledgedBy'>,
): Alert {
  return {
    id: randomUUID(),
    ...fields,
    endsAt: undefined,
    lastNotifiedAt: undefined,
    silencedUntil: undefined,
    acknowledgedBy: undefined,
  };
}

const fingerprintOf = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

/**
 * Evaluates alert rules in-process against the local metrics, every second by default, through
 * `inactive → pending (for) → firing → resolved`, with people's `acknowledged` and `silenced`;
 * repeats firing notifications every `repeatIntervalMs`, keeps quiet for the rule's cooldown after
 * a resolve, and never lets a slow or failing notifier delay evaluation or another notifier.
 *
 * @example
 * ```ts
 * const engine = createAlertEngine({
 *   source: registrySource(metrics.registry),
 *   rules: standardRules(),
 *   notifiers: [webhookNotifier({ url: process.env.ALERT_WEBHOOK! })],
 * });
 * engine.start();
 * ```
 */
export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const {
    source,
    rules,
    intervalMs = 1000,
    notifiers = [],
    repeatIntervalMs = 4 * 3_600_000,
    defaultSilenceMs = 3_600_000,
    inhibitWarnings = true,
  } = options;
  const now = options.now ?? Date.now;
  const store = options.store ?? memoryStore();
  if (typeof (source as Partial<MetricSource> | undefined)?.collect !== 'function')
    throw new ObsConfigError('source', 'expected { collect() }');
  if (!(intervalMs >= 10)) throw new ObsConfigError('intervalMs', 'expected ≥ 10');
  if (!(defaultSilenceMs > 0) || !Number.isFinite(defaultSilenceMs))
    throw new ObsConfigError('defaultSilenceMs', 'expected a positive number of ms');
  const receiverNames = new Set(notifiers.map((n) => n.name));
  const checkReceivers = (route: AlertRoute) => {
    if (!receiverNames.has(route.receiver))
      throw new ObsConfigError(
        'routes',
        `route names receiver "${route.receiver}", which is not a notifier`,
      );
    route.routes?.forEach(checkReceivers);
  };
  if (options.routes) checkReceivers(options.routes);
  const routes = options.routes && compileRoute(options.routes);
  // One name may have a warning and a critical rule (HighErrorRate at 5% and at 10%).
  const names = new Set<string>();
  for (const rule of rules) {
    const id = `${rule.name}/${rule.severity}`;
    if (names.has(id))
      throw new ObsConfigError('rules', `two ${rule.severity} rules named ${rule.name}`);
    names.add(id);
  }
  /** Which rule made each rule alert (names may repeat across severities). */
  const ruleOf = new WeakMap<Alert, Rule>();

  const windows = new Map<string, number>();
  for (const rule of rules)
    for (const read of rule.query.reads)
      windows.set(read.name, Math.max(windows.get(read.name) ?? 0, read.windowMs));
  const instantNames = new Set<string>();
  for (const rule of rules)
    for (const read of rule.query.reads) if (read.windowMs === 0) instantNames.add(read.name);
  const history = new SampleHistory(windows, undefined, instantNames);
  const active = new Map<string, Alert>(); // by fingerprint
  const byId = new Map<string, Alert>();
  const resolvedAt = new Map<string, number>(); // fingerprint → when it last resolved
  const counts: Record<string, NotificationStats> = Object.fromEntries(
    notifiers.map((n) => [n.name, { sent: 0, failed: 0 }]),
  );
  const inFlight = new Set<Promise<void>>();
  /** Alerts whose firing was announced: only those announce their resolve. */
  const announced = new WeakSet<Alert>();

  // The store gets each alert once, when it resolves; idle() and history() wait for its writes,
  // each for STORE_TIMEOUT_MS at most (a store that never answers is reported, not waited on).
  const saves = new Set<Promise<void>>();
  const persist = (alert: Alert) => {
    const saving = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          store.save(alert),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`save did not answer within ${STORE_TIMEOUT_MS} ms`)),
              STORE_TIMEOUT_MS,
            );
            timer.unref();
          }),
        ]);
      } catch (err) {
        reportInternalError(err, '@obs/alerts: store');
      } finally {
        clearTimeout(timer);
      }
    })();
    saves.add(saving);
    inFlight.add(saving);
    void saving.finally(() => {
      saves.delete(saving);
      inFlight.delete(saving);
    });
  };

  const inhibited = (alert: Alert) =>
    inhibitWarnings &&
    alert.severity === 'warning' &&
    [...active.values()].some(
      (other) =>
        // Acknowledged or silenced, a critical still inhibits (as Alertmanager's inhibitor does).
        other.severity === 'critical' && other.state !== 'pending' && other.name === alert.name,
    );

  // During a tick, notifications wait until every rule was evaluated, so a critical and its
  // warning that start together are seen together (the warning is inhibited).
  let batch: [Alert, NotificationKind][] | undefined;
  const notify = (alert: Alert, kind: NotificationKind) => {
    if (batch) batch.push([alert, kind]);
    else send(alert, kind);
  };

  const track = (notifier: Notifier, work: () => Promise<void>) => {
    const sending = Promise.resolve()
      .then(work)
      .then(
        () => {
          counts[notifier.name]!.sent++;
        },
        (err: unknown) => {
          counts[notifier.name]!.failed++;
          reportInternalError(err, `@obs/alerts: notifier ${notifier.name}`);
        },
      );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };

  // Groups waiting to go out: by receiver, kind and the values of the route's groupBy labels.
  const groups = new Map<
    string,
    {
      alerts: Map<string, Readonly<Alert>>;
      labels: Record<string, string>;
      timer?: NodeJS.Timeout;
      lastSent?: number;
    }
  >();
  const byName = new Map(notifiers.map((n) => [n.name, n]));
  const flush = (key: string, notifier: Notifier, kind: NotificationKind) => {
    const group = groups.get(key);
    if (!group || group.alerts.size === 0) return;
    const alerts = [...group.alerts.values()];
    group.alerts.clear();
    group.timer = undefined;
    group.lastSent = Date.now();
    if (notifier.notifyGroup)
      track(notifier, () => notifier.notifyGroup!(alerts, kind, group.labels));
    else for (const a of alerts) track(notifier, () => notifier.notify(a, kind));
  };
  const enqueue = (
    reached: Reached,
    notifier: Notifier,
    alert: Readonly<Alert>,
    kind: NotificationKind,
  ) => {
    const labels = Object.fromEntries(reached.groupBy!.map((l) => [l, alert.labels[l] ?? '']));
    const key = `${reached.receiver}\u0000${kind}\u0000${JSON.stringify(labels)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { alerts: new Map(), labels }));
    group.alerts.set(alert.fingerprint, alert);
    if (group.timer) return;
    const wait =
      group.lastSent === undefined
        ? reached.groupWaitMs
        : Math.max(0, group.lastSent + reached.groupIntervalMs - Date.now());
    group.timer = setTimeout(() => flush(key, notifier, kind), wait);
    group.timer.unref();
  };

  const send = (alert: Alert, kind: NotificationKind) => {
    if (kind === 'firing' && inhibited(alert)) return;
    alert.lastNotifiedAt = now();
    if (kind === 'firing') announced.add(alert);
    const snapshot = { ...alert };
    if (routes) {
      for (const reached of reach(routes, alert.labels)) {
        const notifier = byName.get(reached.receiver)!;
        if (reached.groupBy) enqueue(reached, notifier, snapshot, kind);
        else track(notifier, () => notifier.notify(snapshot, kind));
      }
      return;
    }
    for (const notifier of notifiers) track(notifier, () => notifier.notify(snapshot, kind));
  };

  const coolingDown = (alert: Alert, t: number, cooldownMs: number) => {
    const last = resolvedAt.get(alert.fingerprint);
    return last !== undefined && t - last < cooldownMs;
  };

  const fire = (alert: Alert, t: number, cooldownMs: number) => {
    alert.startsAt = t;
    // Silenced while pending: it fires (its `for` held), quietly, until the silence ends.
    if (alert.silencedUntil !== undefined && t < alert.silencedUntil) {
      alert.state = 'silenced';
      return;
    }
    alert.state = 'firing';
    // Inside the cooldown after a resolve, it fires without a new notification: no flapping.
    if (!coolingDown(alert, t, cooldownMs)) notify(alert, 'firing');
  };

  const resolve = (alert: Alert, t: number, message?: string) => {
    const wasNotified = announced.has(alert);
    alert.state = 'resolved';
    alert.endsAt = t;
    if (message) alert.annotations = { ...alert.annotations, resolution: message };
    active.delete(alert.fingerprint);
    byId.delete(alert.id);
    resolvedAt.set(alert.fingerprint, t);
    if (wasNotified) notify(alert, 'resolved');
    persist(alert);
  };

  const evaluate = (rule: Rule, t: number) => {
    let elements;
    try {
      elements = rule.query.evaluate(history);
    } catch (err) {
      reportInternalError(err, `@obs/alerts: rule ${rule.name}`);
      return;
    }
    const holding = new Set<string>();
    for (const e of elements) {
      if (!rule.check(e.value)) continue;
      // As Prometheus: the rule's labels over the sample's, alertname last; templates see the
      // sample's own labels.
      const labels = {
        ...e.labels,
        severity: rule.severity,
        ...rule.labels,
        alertname: rule.name,
      };
      const fingerprint = fingerprintOf(rule.name, labels);
      holding.add(fingerprint);
      let alert = active.get(fingerprint);
      const annotations = Object.fromEntries(
        Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, e.value, e.labels)]),
      );
      if (!alert) {
        alert = newAlert({
          name: rule.name,
          fingerprint,
          state: 'pending',
          severity: rule.severity,
          labels,
          annotations,
          value: e.value,
          source: 'rule',
          activeAt: t,
          startsAt: undefined,
        });
        active.set(fingerprint, alert);
        byId.set(alert.id, alert);
        ruleOf.set(alert, rule);
      }
      alert.value = e.value;
      alert.annotations = annotations;
      if (alert.state === 'pending') {
        if (t - alert.activeAt >= rule.forMs) fire(alert, t, rule.cooldownMs);
      } else if (alert.state === 'firing') {
        // Announced: repeat every repeatInterval. Not yet (it came back inside a cooldown):
        // announce once the cooldown is over.
        const due = announced.has(alert)
          ? alert.lastNotifiedAt !== undefined && t - alert.lastNotifiedAt >= repeatIntervalMs
          : !coolingDown(alert, t, rule.cooldownMs);
        if (due) notify(alert, 'firing');
      }
    }
    // Alerts of this rule whose condition no longer holds: pending ones just go, others resolve.
    for (const alert of [...active.values()])
      if (ruleOf.get(alert) === rule && !holding.has(alert.fingerprint)) {
        if (alert.state === 'pending') {
          active.delete(alert.fingerprint);
          byId.delete(alert.id);
        } else resolve(alert, t);
      }
  };

  // Silences that ended: the alert is firing again. One never announced (it fired while silenced)
  // is announced now, a rule's by its evaluation (cooldown respected); one announced before its
  // silence is not sent again until its repeat interval, as Alertmanager's notification log does.
  const endSilences = (t: number) => {
    for (const alert of active.values()) {
      if (alert.silencedUntil === undefined || t < alert.silencedUntil) continue;
      alert.silencedUntil = undefined;
      if (alert.state !== 'silenced') continue;
      alert.state = 'firing';
      if (!ruleOf.has(alert) && !announced.has(alert)) notify(alert, 'firing');
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  const engine: AlertEngine = {
    async tick() {
      if (ticking) return; // a slow source never stacks ticks
      ticking = true;
      try {
        const samples = await source.collect();
        const t = now();
        history.record(samples, t);
        batch = [];
        endSilences(t);
        for (const rule of rules) evaluate(rule, t);
        const due = batch;
        batch = undefined;
        for (const [alert, kind] of due) send(alert, kind);
      } catch (err) {
        reportInternalError(err, '@obs/alerts: collecting samples');
      } finally {
        batch = undefined;
        ticking = false;
      }
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void engine.tick(), intervalMs);
      timer.unref();
      void engine.tick();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      // Groups still waiting go out now rather than never.
      for (const [key, group] of groups) {
        if (!group.timer) continue;
        clearTimeout(group.timer);
        const [receiver, kind] = key.split('\u0000') as [string, NotificationKind];
        flush(key, byName.get(receiver)!, kind);
      }
    },
    alerts(filter = {}) {
      return [...active.values()]
        .filter(
          (a) =>
            (!filter.state || a.state === filter.state) &&
            (!filter.severity || a.severity === filter.severity),
        )
        .map((a) => ({ ...a }));
    },
    history: async (limit = 100) => {
      await Promise.allSettled([...saves]); // reads see every write made before them
      return store.history(limit);
    },
    get: (id) => {
      const alert = byId.get(id);
      return alert && { ...alert };
    },
    acknowledge(id, by) {
      const alert = byId.get(id);
      if (!alert || alert.state === 'pending') return undefined;
      alert.state = 'acknowledged';
      alert.acknowledgedBy = by;
      return { ...alert };
    },
    silence(id, durationMs) {
      const alert = byId.get(id);
      if (!alert || !(durationMs > 0) || !Number.isFinite(durationMs)) return undefined;
      // A pending alert stays pending: its `for` still decides when it fires (silently).
      if (alert.state !== 'pending') alert.state = 'silenced';
      alert.silencedUntil = now() + durationMs;
      return { ...alert };
    },
    resolveAlert(id, message) {
      const alert = byId.get(id);
      if (!alert) return undefined;
      resolve(alert, now(), message);
      return { ...alert };
    },
    triggerAlert(title, message, severity, context = {}) {
      const t = now();
      const labels = { alertname: title, severity, ...context };
      const fingerprint = fingerprintOf(title, labels);
      const existing = active.get(fingerprint);
      if (existing) {
        existing.annotations = { ...existing.annotations, description: message };
        return { ...existing };
      }
      const alert: Alert = newAlert({
        name: title,
        fingerprint,
        state: 'firing',
        severity,
        labels,
        annotations: { summary: title, description: message },
        value: undefined,
        source: 'manual',
        activeAt: t,
        startsAt: t,
      });
      active.set(fingerprint, alert);
      byId.set(alert.id, alert);
      notify(alert, 'firing');
      return { ...alert };
    },
    updateAlert(id, change) {
      const alert = byId.get(id);
      if (!alert) return undefined;
      if (change.message) alert.annotations = { ...alert.annotations, description: change.message };
      if (change.state === 'resolved') resolve(alert, now());
      else if (change.state === 'silenced') return engine.silence(id, defaultSilenceMs);
      else if (change.state === 'acknowledged' && alert.state !== 'pending')
        alert.state = 'acknowledged'; // as acknowledge(): a pending alert has nothing to own yet
      else if (change.state === 'firing') {
        if (alert.state !== 'pending') alert.state = 'firing'; // unacknowledge
        alert.silencedUntil = undefined; // unsilence
      }
      return { ...alert };
    },
    ingest(alerts) {
      const t = now();
      for (const external of alerts) {
        const name = external.labels.alertname ?? 'Alertmanager';
        const fingerprint = `am:${fingerprintOf(name, external.labels)}`;
        const existing = active.get(fingerprint);
        if (external.status === 'resolved') {
          if (existing) {
            existing.state = 'resolved';
            existing.endsAt = Date.parse(external.endsAt ?? '') || t;
            active.delete(fingerprint);
            byId.delete(existing.id);
            persist(existing);
          }
          continue;
        }
        if (existing) {
          existing.annotations = { ...external.annotations };
          continue;
        }
        const severity = SEVERITIES.find((s) => s === external.labels.severity) ?? 'warning';
        const startsAt = Date.parse(external.startsAt ?? '') || t;
        const alert: Alert = newAlert({
          name,
          fingerprint,
          state: 'firing',
          severity,
          labels: { ...external.labels },
          annotations: { ...external.annotations },
          value: undefined,
          source: 'alertmanager',
          activeAt: startsAt,
          startsAt,
        });
        active.set(fingerprint, alert);
        byId.set(alert.id, alert);
      }
    },
    stats: () => JSON.parse(JSON.stringify(counts)) as Record<string, NotificationStats>,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
  return engine;
}
