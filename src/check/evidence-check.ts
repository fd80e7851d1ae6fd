// Shared by the checks that read the evidence of an offline agent (instance.health, agent.installed, agent.console,
// agent.identity, hybrid.activation): that evidence is read only while the agent is known not to be Online, so
// "not read" is a skip with its reason, and a failed read is an error only when the evidence mattered.
import { isManagedNode } from '../cli/args.js';
import type { Fetched } from '../facts/facts.js';
import { need, skip, type TargetContext, type Verdict } from './kit.js';

/** Whether the target's agent is offline: its registration must be readable (else the evidence check errors too). */
function offline(ctx: TargetContext): boolean {
  const reg = need(ctx.facts.agents[ctx.id], `the SSM registration of ${ctx.id}`);
  return reg === null || reg.pingStatus !== 'Online';
}

/** Why evidence is absent for a target whose agent is Online (short: every healthy instance of a fleet says it). */
function onlineReason(): string {
  return 'Agent Online: not needed.';
}

/**
 * The evidence, or a skip when it does not matter (the agent is Online, or `bounded` explains why this target's was
 * not read), or an error (not collected, or the read failed, while the agent is offline).
 */
export function offlineEvidence<T>(ctx: TargetContext, fetched: Fetched<T> | undefined, what: string, bounded?: string): T {
  // Evidence read while the agent was offline still counts (onlyWhileOffline keeps only its failures).
  if (!offline(ctx) && !fetched?.ok) skip(onlineReason());
  if (fetched === undefined && bounded) skip(bounded);
  return need(fetched, what);
}

/**
 * A finding that only explains an offline agent. The evidence was read while the agent was offline; once it is
 * Online again (a --wait round, a later read) only a failure still stands.
 */
export function onlyWhileOffline(ctx: TargetContext, what: string, verdict: Verdict): Verdict {
  if (verdict.status === 'fail' || offline(ctx)) return verdict;
  return { status: 'skip', detail: onlineReason() };
}

/** Skips for EC2 instances (saying their state): the check is about hybrid nodes (mi-). */
export function skipUnlessHybridNode(ctx: TargetContext): void {
  if (isManagedNode(ctx.id)) return;
  const f = ctx.facts.instances[ctx.id];
  const state = f?.ok && f.value && f.value.state !== 'running' ? ` (instance ${ctx.id} is ${f.value.state})` : '';
  skip(`Not a hybrid node${state}.`);
}
