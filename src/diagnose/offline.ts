// "Configuration right, agent still offline": when every configuration check is fine but the agent is not
// Online, the agent has most likely backed off (minutes up to an hour) after the role or endpoints were fixed.
import type { Check, CheckResult } from '../check/kit.js';
import { runChecks } from '../check/run.js';
import type { Facts } from '../facts/facts.js';
import { agentKnownOffline } from '../facts/lookup.js';

/** Checks that describe the symptom (agent offline, no session), or explain it after the fact, not the configuration. */
const NOT_CONFIGURATION = new Set(['agent.ping', 'session.connection', 'agent.late-fix']);

/** Results that describe the symptom, its evidence (agent.late-fix), or the operator's machine, not the configuration. */
export function isConfigurationCheck(id: string): boolean {
  return !NOT_CONFIGURATION.has(id) && !id.startsWith('client.');
}

/**
 * Every configuration result is ok: pass, warn or skip (fail and error are not; an error of offline evidence is,
 * see OFFLINE_EVIDENCE).
 */
function configurationOk(results: CheckResult[]): boolean {
  return results
    .filter((r) => isConfigurationCheck(r.id))
    .every((r) => r.status === 'pass' || r.status === 'warn' || r.status === 'skip' || (r.status === 'error' && OFFLINE_EVIDENCE.has(r.id)));
}

/**
 * The targets for which CloudTrail's record of late fixes is worth reading: running, agent known not Online, and
 * every configuration check ok on the facts collected so far. The collector calls this (injected by the CLI) after
 * its last configuration round: the checks are pure functions of the facts, so the verdicts the report will show
 * pick the targets, and collect/ never imports checks/.
 */
export function lateFixCandidates(facts: Facts, checks: Check[]): string[] {
  const configuration = checks.filter((c) => isConfigurationCheck(c.meta.id));
  return facts.targets.filter((id) => running(facts, id) && agentKnownOffline(facts, id) && configurationOk(runChecks(configuration, facts, id)));
}

function running(facts: Facts, id: string): boolean {
  const f = facts.instances[id];
  return Boolean(f?.ok && f.value && f.value.state === 'running');
}

/**
 * Evidence read only for an offline agent (status checks, AMI, console, hybrid registrations): when it cannot be
 * read (`error`) the configuration is no less right, so that error does not withhold the reboot suggestion.
 */
const OFFLINE_EVIDENCE = new Set(['instance.health', 'agent.installed', 'agent.console', 'agent.identity', 'hybrid.activation']);

/**
 * True when the instance is running, `agent.ping` failed, and every configuration check (all but
 * agent.ping, session.connection and client.*) is ok: pass, warn or skip (fail and error are not; an error of
 * offline evidence is).
 */
export function rebootSuggested(facts: Facts, id: string, results: CheckResult[]): boolean {
  if (!running(facts, id)) return false;
  const ping = results.find((r) => r.id === 'agent.ping');
  if (ping?.status !== 'fail') return false;
  return configurationOk(results);
}
