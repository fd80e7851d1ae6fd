// --wait: re-check the targets that are not ok until all are ok, time runs out, or a failure shows that
// waiting cannot help. The decision is pure (waitDecision); the loop (waitForTargets) gets its clock,
// sleep, refresh and evaluation injected.
//
// What can change while waiting is listed in ONE place, optimistic() below: an instance leaves `pending`,
// the agent registers (with a current version when it has not registered yet) and comes Online, Session
// Manager reports it connected, a pending VPC endpoint becomes available, status checks that are still
// `initializing` pass (an `impaired` one does not: waiting cannot fix it). src/collect/refresh.ts re-reads
// exactly those facts each round. A blocking result (fail, error, or warn with --fail-on warn) is
// "waitable" when it no longer blocks in that optimistic world; any other blocking result is a
// configuration problem (no endpoint, a security group that blocks, a missing permission, a stopped
// instance, a denied read...) and ends the wait at once.
import type { CheckResult } from '../check/kit.js';
import type { AgentInfo, Facts, Fetched } from '../facts/facts.js';
import { isManagedNode } from './args.js';
import { targetOk, type Report } from '../report/model.js';
import { MIN_AGENT } from '../facts/requirements.js';
import { formatDuration } from './select.js';
import { compareVersions } from '../eval/version.js';

/** The checks that report the state waiting is about (progress lines name them first). */
export const WAITABLE_CHECKS = ['instance.state', 'agent.ping', 'agent.version', 'session.connection'] as const;

/** Default poll interval: the agent registers 1-3 min after boot and heartbeats every ~5 min. */
export const DEFAULT_POLL_MS = 15_000;

/** Poll interval: SSM_DOCTOR_POLL_MS (milliseconds, for tests) or the default. */
export function pollInterval(env: NodeJS.ProcessEnv): number {
  const v = Number(env.SSM_DOCTOR_POLL_MS);
  return Number.isFinite(v) && v >= 1 ? Math.floor(v) : DEFAULT_POLL_MS;
}

/** Read failures that a later round may not repeat. */
const TRANSIENT = new Set(['throttled', 'timeout', 'network']);

function transient<T>(f: Fetched<T> | undefined): boolean {
  return !!f && !f.ok && TRANSIENT.has(f.error.kind);
}

/** The version assumed for an agent that has not registered yet: new enough for every requirement. */
const CURRENT_AGENT = Object.values(MIN_AGENT).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));

/**
 * The facts as they would be if everything waiting can change for `ids` came out right. Facts that
 * could not be read stay unread (so a denied read still blocks), unless the failure was transient.
 */
export function optimistic(facts: Facts, ids: string[]): Facts {
  const f: Facts = {
    ...facts,
    instances: { ...facts.instances },
    agents: { ...facts.agents },
    connections: { ...facts.connections },
    endpoints: { ...facts.endpoints },
    instanceStatus: { ...facts.instanceStatus },
  };
  const vpcs = new Set<string>();
  for (const id of ids) {
    const inst = f.instances[id];
    const i = inst?.ok ? inst.value : null;
    if (i?.state === 'pending') f.instances[id] = { ok: true, value: { ...i, state: 'running' } };
    if (i?.vpcId) vpcs.add(i.vpcId);

    const agent = f.agents[id];
    if (agent?.ok && agent.value) {
      f.agents[id] = { ok: true, value: { ...agent.value, pingStatus: 'Online', lastPingDateTime: facts.collectedAt } };
    } else if ((agent?.ok && agent.value === null) || transient(agent)) {
      const registered: AgentInfo = {
        instanceId: id,
        pingStatus: 'Online',
        lastPingDateTime: facts.collectedAt,
        agentVersion: CURRENT_AGENT,
        platformType: i?.platform === 'windows' ? 'Windows' : 'Linux',
        resourceType: isManagedNode(id) ? 'ManagedInstance' : 'EC2Instance',
      };
      f.agents[id] = { ok: true, value: registered };
    }

    const conn = f.connections[id];
    if (conn?.ok || transient(conn)) f.connections[id] = { ok: true, value: 'connected' };

    const status = f.instanceStatus[id];
    if (status?.ok && status.value) {
      const done = (s: string) => (s === 'initializing' ? 'ok' : s);
      f.instanceStatus[id] = {
        ok: true,
        value: { ...status.value, instanceStatus: done(status.value.instanceStatus), systemStatus: done(status.value.systemStatus) },
      };
    }
  }
  for (const vpc of vpcs) {
    const eps = f.endpoints[vpc];
    if (eps?.ok && eps.value.some((e) => e.state.toLowerCase().startsWith('pending'))) {
      f.endpoints[vpc] = {
        ok: true,
        value: eps.value.map((e) => (e.state.toLowerCase().startsWith('pending') ? { ...e, state: 'available' } : e)),
      };
    }
  }
  return f;
}

export type FailOn = 'fail' | 'warn';

export interface Blocker {
  target: string;
  check: string;
  status: CheckResult['status'];
}

export type WaitDecision =
  /** Every target is ok. */
  | { kind: 'ready'; total: number }
  /** Some targets are not ok, and waiting may fix all of them. */
  | { kind: 'wait'; total: number; waiting: string[]; reasons: Record<string, number> }
  /** At least one target has a failure that waiting cannot fix. */
  | { kind: 'stop'; total: number; waiting: string[]; blockers: Blocker[] };

function blocks(r: CheckResult, failOn: FailOn): boolean {
  return !targetOk([r], failOn);
}

/** The results that keep a target from being ready (a pending instance fails instance.state: not reachable yet). */
function notReadyResults(checks: CheckResult[], failOn: FailOn): CheckResult[] {
  return checks.filter((c) => blocks(c, failOn));
}

/** Targets of a report that are not ready. */
export function notReady(report: Report, failOn: FailOn = report.failOn ?? 'fail'): string[] {
  return report.targets.filter((t) => notReadyResults(t.checks, failOn).length > 0).map((t) => t.target);
}

/**
 * Pure: from the report of the current facts and the report of optimistic(facts, notOk), whether to
 * keep waiting. `optimisticReport` needs only the targets that are not ok.
 */
export function waitDecision(report: Report, optimisticReport: Report, failOn: FailOn = report.failOn ?? 'fail'): WaitDecision {
  const total = report.targets.length;
  const notOk = report.targets.filter((t) => notReadyResults(t.checks, failOn).length > 0);
  if (notOk.length === 0) return { kind: 'ready', total };
  const hopes = new Map(optimisticReport.targets.map((t) => [t.target, t]));
  const blockers: Blocker[] = [];
  const reasons: Record<string, number> = {};
  for (const t of notOk) {
    const hope = hopes.get(t.target);
    for (const r of notReadyResults(t.checks, failOn)) {
      const after = hope?.checks.find((c) => c.id === r.id);
      // Missing from the optimistic report (should not happen): treat it as unfixable rather than wait forever.
      if (!after || blocks(after, failOn)) blockers.push({ target: t.target, check: r.id, status: r.status });
      else reasons[r.id] = (reasons[r.id] ?? 0) + 1;
    }
  }
  const waiting = notOk.map((t) => t.target);
  return blockers.length ? { kind: 'stop', total, waiting, blockers } : { kind: 'wait', total, waiting, reasons };
}

/** Reasons, the waitable checks first, then by count: `agent.ping (150), session.connection (197)`. */
function reasonText(reasons: Record<string, number>, max = 3): string {
  const order = (id: string) => {
    const k = (WAITABLE_CHECKS as readonly string[]).indexOf(id);
    return k < 0 ? WAITABLE_CHECKS.length : k;
  };
  const list = Object.entries(reasons).sort((a, b) => order(a[0]) - order(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = list.slice(0, max).map(([id, n]) => `${id} (${n})`);
  if (list.length > max) shown.push(`${list.length - max} more`);
  return shown.join(', ');
}

/** `waiting: 3/200 ready, 197 not: agent.ping (150), session.connection (197) (1m30s left)` */
export function progressLine(d: Extract<WaitDecision, { kind: 'wait' }>, leftMs: number): string {
  const ready = d.total - d.waiting.length;
  return `waiting: ${ready}/${d.total} ready, ${d.waiting.length} not: ${reasonText(d.reasons)} (${formatDuration(leftMs)} left)`;
}

export type WaitOutcome = 'ready' | 'timeout' | 'unfixable';

export interface WaitOptions {
  facts: Facts;
  timeoutMs: number;
  pollMs: number;
  failOn?: FailOn;
  /** The report of some facts (the same checks and options as the final report). */
  evaluate: (facts: Facts) => Report;
  /** One round of re-reads for the ids still waiting (src/collect/refresh.ts). */
  refresh: (facts: Facts, ids: string[]) => Promise<Facts>;
  /**
   * Called once per round before sleeping, with a progress line; `live.lineAt` redraws that line for another time
   * left (the deadline is on the `now` clock), so a spinner can count down (see countdown()).
   */
  progress?: (line: string, live: { deadline: number; lineAt(leftMs: number): string }) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WaitResult {
  facts: Facts;
  report: Report;
  outcome: WaitOutcome;
  /** Refresh rounds run (0 when everything was ready, or unfixable, at once). */
  rounds: number;
  elapsedMs: number;
  decision: WaitDecision;
}

/** The decision for some facts and their report (runs the checks once more on the optimistic facts). */
export function decide(facts: Facts, report: Report, evaluate: (f: Facts) => Report, failOn: FailOn = report.failOn ?? 'fail'): WaitDecision {
  const notOk = notReady(report, failOn);
  if (notOk.length === 0) return { kind: 'ready', total: report.targets.length };
  const hope = evaluate({ ...optimistic(facts, notOk), targets: notOk });
  return waitDecision(report, hope, failOn);
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitForTargets(o: WaitOptions): Promise<WaitResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  const start = now();
  const deadline = start + o.timeoutMs;
  let facts = o.facts;
  let report = o.evaluate(facts);
  let rounds = 0;
  for (;;) {
    const d = decide(facts, report, o.evaluate, o.failOn ?? report.failOn ?? 'fail');
    const done = (outcome: WaitOutcome): WaitResult => ({ facts, report, outcome, rounds, elapsedMs: now() - start, decision: d });
    if (d.kind === 'ready') return done('ready');
    if (d.kind === 'stop') return done('unfixable');
    const left = deadline - now();
    if (left <= 0) return done('timeout');
    o.progress?.(progressLine(d, left), { deadline, lineAt: (ms) => progressLine(d, ms) });
    await sleep(Math.min(o.pollMs, left));
    facts = await o.refresh(facts, d.waiting);
    rounds++;
    report = o.evaluate(facts);
  }
}

/**
 * The spinner text of a wait, counting down every second between rounds: each round's line is shown at once and
 * then redrawn with the time left, until the next round or stop().
 */
export function countdown(show: (text: string) => void, now: () => number = Date.now, everyMs = 1000) {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    round(line: string, live: { deadline: number; lineAt(leftMs: number): string }): void {
      stop();
      show(line);
      timer = setInterval(() => show(live.lineAt(Math.max(0, live.deadline - now()))), everyMs);
      timer.unref?.();
    },
    stop,
  };
}

/** One line for stderr at the end of a wait; undefined when there was nothing to wait for. */
export function waitSummary(r: WaitResult, timeoutMs: number): string | undefined {
  const d = r.decision;
  const took = formatDuration(r.elapsedMs);
  switch (r.outcome) {
    case 'ready':
      return r.rounds ? `all ${d.total} target${d.total === 1 ? '' : 's'} ready after ${took}` : undefined;
    case 'timeout': {
      const n = d.kind === 'wait' ? d.waiting.length : 0;
      const why = d.kind === 'wait' ? `: ${reasonText(d.reasons)}` : '';
      return `gave up waiting after ${formatDuration(timeoutMs)}: ${n} of ${d.total} target${d.total === 1 ? '' : 's'} not ready${why}`;
    }
    case 'unfixable': {
      if (d.kind !== 'stop') return undefined;
      const byTarget = new Map<string, string[]>();
      for (const b of d.blockers) byTarget.set(b.target, [...(byTarget.get(b.target) ?? []), `${b.check} ${b.status}`]);
      const [first, checks] = [...byTarget.entries()][0]!;
      const more = byTarget.size > 1 ? ` (and ${byTarget.size - 1} more target${byTarget.size === 2 ? '' : 's'})` : '';
      return `not waiting: waiting cannot fix ${first}: ${checks.join(', ')}${more}`;
    }
  }
}
