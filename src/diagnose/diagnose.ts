// The diagnosis of one target: which findings are root causes and which are their consequences, in the order
// to fix them. Pure, like the checks: check results and facts in, causes out. The relations are data declared
// by the checks themselves (`meta.explains`), never special cases here.
import type { CheckMeta, CheckResult, Fix, Status } from '../check/kit.js';
import type { Facts } from '../facts/facts.js';
import { retryKindOf } from '../fix/late-fix.js';
import { afterFixAdvice, notConnectedAdvice, rebootAdvice } from '../fix/reboot.js';
import { rebootSuggested } from './offline.js';

export type CauseStatus = 'fail' | 'warn' | 'error';

/** One root cause of a target's problems. */
export interface Cause {
  /** Stable key: `<check id>:<subject>` (`vpc-endpoint.ssmmessages:vpc-0abc…`); targets sharing it share the cause. */
  id: string;
  /** One sentence naming the resource. */
  summary: string;
  /** `fail`: certain; `warn`: cannot be proven from here; `error`: a fact that could not be read. */
  status: CauseStatus;
  /** The check whose finding this is, then the checks it explains (consequences), in report order. */
  checks: string[];
  /** What to change (absent when there is nothing to run, e.g. a fact ssm-doctor could not read). */
  fix?: Fix;
}

export interface Diagnosis {
  /** Root causes, in the order to fix them. Empty when nothing blocks the target. */
  causes: Cause[];
  /**
   * What to do once the causes are fixed, when the agent is offline: it may have backed off and not notice the
   * fix for up to an hour. Absent when the agent is Online or the restart is itself the only cause.
   */
  then?: Fix;
}

/** The restart/reboot cause's check id part: no check has this id, the cause stands for "nothing else is wrong". */
export const RESTART_CAUSE = 'agent.restart';
/** The cause of checks that could not read a fact: `unreadable:<IAM action>`. */
export const UNREADABLE_CAUSE = 'unreadable';

/** What to do about a read that failed: grant it when it was refused, else run again. */
function readFix(r: CheckResult): Fix {
  const { api, kind } = (r.data ?? {}) as { api?: string; kind?: string };
  return {
    summary:
      kind === 'denied'
        ? `Grant ${api} to the identity running ssm-doctor (policy/ssm-doctor-readonly.json has every action it reads), then run it again.`
        : `Run ssm-doctor again: ${api} failed (${kind ?? 'error'}).`,
    cli: [],
  };
}

/** The IAM action of the read an `error` result could not make (the runner records it in `data`). */
function unreadableApi(r: CheckResult): string | undefined {
  const api = (r.data as { api?: unknown } | undefined)?.api;
  return typeof api === 'string' && /^[a-z0-9-]+:[A-Za-z0-9]+$/.test(api) ? api : undefined;
}

export interface DiagnoseInput {
  facts: Facts;
  id: string;
  /** The target's results, in registry order. */
  results: CheckResult[];
  metas: ReadonlyMap<string, CheckMeta>;
  /** Every configuration check ran (--only/--skip left none out): only then can "nothing else is wrong" be said. */
  configComplete: boolean;
  failOn: 'fail' | 'warn';
}

export interface DiagnoseOutput {
  diagnosis: Diagnosis;
  /** The results, consequences marked with `explainedBy`. */
  results: CheckResult[];
  /** The configuration is right and the agent is offline: restarting the agent / rebooting is the plan. */
  rebootSuggested: boolean;
  reboot?: Fix;
}

const isProblem = (s: Status) => s === 'fail' || s === 'warn' || s === 'error';
const RANK: Record<CauseStatus, number> = { fail: 0, warn: 1, error: 2 };

/** The first sentence of a detail (up to the first `. ` that is not inside an id or a version). */
export function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(?:\s+(?=[A-Z(])|$)/s.exec(text.trim());
  return (m ? m[1]! : text.trim()).replace(/\s+/g, ' ');
}

export function causeId(r: CheckResult, target: string): string {
  return `${r.id}:${r.subject ?? target}`;
}

/**
 * Whether a finding can explain another check's: its own `explains` when it narrows the check's, else the check's.
 * `*` is every other check of the instance: the operator's machine (client.*) is not the instance's.
 */
function explainsId(finding: CheckResult, meta: CheckMeta | undefined, id: string): boolean {
  const list = finding.explains ?? meta?.explains;
  return Boolean(list && (list.includes(id) || (list.includes('*') && !id.startsWith('client.'))));
}

export function diagnose(input: DiagnoseInput): DiagnoseOutput {
  const { facts, id, results, metas } = input;
  const problems = results.filter((r) => isProblem(r.status));
  const explainers = (r: CheckResult) => problems.filter((p) => p !== r && explainsId(p, metas.get(p.id), r.id));

  // A problem is a consequence when a failure explains it, or, failing that, a warning or an unreadable fact that
  // can explain it does (the most likely reason, shown as such). A warning never turns a failure of its own kind
  // into a consequence of another warning's.
  const parents = new Map<CheckResult, CheckResult[]>();
  for (const r of problems) {
    const all = explainers(r);
    const certain = all.filter((p) => p.status === 'fail');
    const chosen = certain.length ? certain : r.status === 'warn' ? all.filter((p) => p.status === 'warn') : all;
    if (chosen.length) parents.set(r, chosen);
  }
  // Roots of a consequence: follow parents up (cycles are broken by the visited set).
  const rootsOf = (r: CheckResult, seen = new Set<CheckResult>()): CheckResult[] => {
    if (seen.has(r)) return [];
    seen.add(r);
    const ps = parents.get(r);
    if (!ps) return [r];
    return [...new Set(ps.flatMap((p) => rootsOf(p, seen)))];
  };

  const roots = problems.filter((r) => !parents.has(r) || rootsOf(r).length === 0);
  const ping = results.find((r) => r.id === 'agent.ping');
  const suggested = input.configComplete && rebootSuggested(facts, id, results);
  const restartOnly = suggested && ping !== undefined && roots.includes(ping);
  const reboot = suggested ? rebootAdvice(facts, id) : undefined;
  // The agent is Online and everything AWS shows is right, yet Session Manager cannot reach it: the session side of
  // the agent (or a proxy / firewall on the instance) is the cause, not the other checks (there are none failing).
  const conn = results.find((r) => r.id === 'session.connection');
  const notConnectedOnly =
    input.configComplete &&
    conn?.status === 'fail' &&
    ping?.status === 'pass' &&
    roots.includes(conn) &&
    roots.every((r) => r === conn || r.status === 'warn' || r.id.startsWith('client.'));

  const consequencesOf = new Map<CheckResult, CheckResult[]>();
  const rootsOfConsequence = new Map<CheckResult, CheckResult[]>();
  for (const r of problems) {
    if (!parents.has(r) || roots.includes(r)) continue;
    const rs = rootsOf(r).filter((x) => x !== r);
    rootsOfConsequence.set(r, rs);
    for (const root of rs) consequencesOf.set(root, [...(consequencesOf.get(root) ?? []), r]);
  }
  // A warning is a cause when warnings fail the gate, or when it is the likeliest reason for a failure.
  const blocking = (r: CheckResult) =>
    r.status !== 'warn' || input.failOn === 'warn' || (consequencesOf.get(r) ?? []).some((c) => c.status !== 'warn');
  const out = results.map((r): CheckResult => {
    // A finding's own `explains` served the diagnosis; the report says it as causes and `explainedBy`.
    const { explains: _explains, ...bare } = r;
    // `explainedBy` names causes of the target only: a warning that only follows from warnings which are no cause
    // (nothing fails, the gate allows warnings) is a warning like them.
    const rs = (rootsOfConsequence.get(r) ?? []).filter(blocking);
    return rs.length ? { ...bare, explainedBy: [...new Set(rs.map((root) => idOf(root)))] } : bare;
  });

  function idOf(root: CheckResult): string {
    if (restartOnly && root === ping) return `${RESTART_CAUSE}:${reboot?.cli.some((c) => c.includes('reboot-instances')) ? 'agent-offline' : 'just-launched'}`;
    if (notConnectedOnly && root === conn) return `${RESTART_CAUSE}:not-connected`;
    // Every check a refused read turned into `error` shares one cause: the read (and the permission to grant).
    const api = root.status === 'error' ? unreadableApi(root) : undefined;
    return api ? `${UNREADABLE_CAUSE}:${api}` : causeId(root, id);
  }

  // Roots with the same cause id are one cause (several checks that could not read the same fact).
  const byId = new Map<string, CheckResult[]>();
  for (const r of roots.filter(blocking)) byId.set(idOf(r), [...(byId.get(idOf(r)) ?? []), r]);
  const causes: Cause[] = [...byId.values()]
    .map((same): Cause => {
      const r = same[0]!;
      const checks = [...new Set(same.flatMap((x) => [x.id, ...(consequencesOf.get(x) ?? []).map((c) => c.id)]))];
      if (notConnectedOnly && r === conn) {
        return {
          id: idOf(r),
          summary:
            'Everything AWS shows is right and the agent is Online, yet Session Manager cannot reach it: its session side, ' +
            'or a proxy or firewall on the instance.',
          status: 'fail',
          checks,
          fix: notConnectedAdvice(facts, id),
        };
      }
      if (restartOnly && r === ping) {
        // agent.late-fix passes when CloudTrail was read and shows no change since the agent gave up: no back-off then.
        const noLateFix = results.find((x) => x.id === 'agent.late-fix')?.status === 'pass';
        const summary = idOf(r).endsWith(':just-launched')
          ? 'Launched minutes ago with the right configuration: the SSM Agent usually registers within a few minutes of boot.'
          : noLateFix
            ? 'The configuration is right and CloudTrail shows no late fix, but the SSM Agent is not online: it stopped or hung on the instance.'
            : 'The configuration is right, but the SSM Agent is not online: it backed off after a late fix, or it stopped or hung.';
        return { id: idOf(r), summary, status: 'fail', checks, fix: reboot };
      }
      const cid = idOf(r);
      // A refused read: the fix is the permission (the check itself has nothing to change in AWS).
      const fix = cid.startsWith(`${UNREADABLE_CAUSE}:`) && !r.fix ? readFix(r) : r.fix;
      return {
        id: cid,
        summary: r.summary ?? firstSentence(r.detail),
        status: r.status as CauseStatus,
        checks,
        ...(fix ? { fix } : {}),
      };
    })
    .sort((a, b) => RANK[a.status] - RANK[b.status]);

  // The agent is offline because of other causes: once they are fixed it may still have backed off, unless every
  // cause's fix restarts it anyway (a start, a reboot, a restart on the instance).
  const explainedPing = out.find((r) => r.id === 'agent.ping')?.explainedBy ?? [];
  const pingCauses = roots.filter((r) => explainedPing.includes(idOf(r)));
  const restartedByFix = pingCauses.length > 0 && pingCauses.every((r) => metas.get(r.id)?.fixRestartsAgent);
  const pingExplained = ping?.status === 'fail' && pingCauses.length > 0 && !restartOnly && !restartedByFix;
  const managedNode = id.startsWith('mi-');
  // Which of the agent's retries the fixes wait for (its credentials, its connection), so the step says when it retries.
  const retries = pingCauses.map((r) => retryKindOf(metas.get(r.id)));
  const then = pingExplained && running(facts, id, managedNode) ? afterFixAdvice(facts, id, managedNode, retries) : undefined;
  return {
    diagnosis: { causes, ...(then ? { then } : {}) },
    results: out,
    rebootSuggested: suggested,
    ...(reboot ? { reboot } : {}),
  };
}

function running(facts: Facts, id: string, managedNode: boolean): boolean {
  if (managedNode) return true;
  const f = facts.instances[id];
  return Boolean(f?.ok && f.value?.state === 'running');
}
