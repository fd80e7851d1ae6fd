// "Configuration right, agent still offline": when every configuration check is fine but the agent is not
// Online, the agent has most likely backed off (minutes up to an hour) after the role or endpoints were fixed.
import type { CheckResult } from '../check/kit.js';
import type { Facts } from '../facts/facts.js';

/** Results that describe the symptom (agent offline, no session) or the operator's machine, not the configuration. */
export function isConfigurationCheck(id: string): boolean {
  return id !== 'agent.ping' && id !== 'session.connection' && !id.startsWith('client.');
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
  return results
    .filter((r) => isConfigurationCheck(r.id))
    .every((r) => r.status === 'pass' || r.status === 'warn' || r.status === 'skip' || (r.status === 'error' && OFFLINE_EVIDENCE.has(r.id)));
}
