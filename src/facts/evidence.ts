// Evidence for an offline agent, as data shared by the collector (what to read, for whom, how much) and the
// checks (how to read it): which targets get the offline-only reads, their bounds, and how an EC2 instance is
// recognised among hybrid (`mi-`) registrations.
import { isManagedNode } from '../cli/args.js';
import type { AgentInfo, Facts, Instance } from './facts.js';
import { agentKnownOffline } from './lookup.js';

/** The service setting that selects the hybrid-node tier; Session Manager on hybrid nodes needs `advanced`. */
export const ACTIVATION_TIER_SETTING_ID = '/ssm/managed-instance/activation-tier';

/** ec2:GetConsoleOutput has no batch form: at most this many offline instances get their console read per run. */
export const CONSOLE_MAX_TARGETS = 10;

/** Pages of 50 hybrid registrations listed at most to find an EC2 instance registered as a hybrid node. */
export const MANAGED_NODE_SCAN_PAGES = 6;

/** Values per InstanceIds list of ec2:DescribeInstanceStatus (the API's limit). */
export const INSTANCE_STATUS_CHUNK = 100;

/** Running EC2 targets whose agent is known not to be Online, in target order: they get the evidence reads. */
export function offlineEc2Targets(facts: Facts, ids: string[] = facts.targets): Instance[] {
  // Every target's agent.console asks for the whole run's list: computed once per facts (a fleet was quadratic).
  const whole = ids === facts.targets;
  const hit = whole ? offlineCache.get(facts) : undefined;
  if (hit && hit.targets === facts.targets && hit.agents === facts.agents && hit.instances === facts.instances) return hit.value;
  const out = offlineOf(facts, ids);
  if (whole) offlineCache.set(facts, { targets: facts.targets, agents: facts.agents, instances: facts.instances, value: out });
  return out;
}

const offlineCache = new WeakMap<Facts, { targets: string[]; agents: Facts['agents']; instances: Facts['instances']; value: Instance[] }>();

function offlineOf(facts: Facts, ids: string[]): Instance[] {
  const out: Instance[] = [];
  for (const id of ids) {
    if (isManagedNode(id) || !agentKnownOffline(facts, id)) continue;
    const f = facts.instances[id];
    if (f?.ok && f.value && f.value.state === 'running') out.push(f.value);
  }
  return out;
}

/** Targets whose console output is read: the first CONSOLE_MAX_TARGETS offline EC2 targets. */
export function consoleTargets(facts: Facts): Instance[] {
  return offlineEc2Targets(facts).slice(0, CONSOLE_MAX_TARGETS);
}

/** Host names EC2 gives an instance: `ip-10-0-1-10` for each private IPv4 address, and the resource name (its id). */
function ec2HostNames(inst: Instance): string[] {
  const ips = [inst.privateIp, ...inst.networkInterfaces.flatMap((n) => n.privateIps)].filter((x): x is string => !!x);
  return [...new Set([...ips.map((ip) => `ip-${ip.replace(/\./g, '-')}`), inst.id])].map((s) => s.toLowerCase());
}

/** What a hybrid registration shares with an EC2 instance. */
export interface TwinMatch {
  node: AgentInfo;
  /** The node's computer name is one of the instance's EC2 host names (`ip-10-0-1-10...`, `i-0abc...`): conclusive. */
  byName: boolean;
  /** The node reported one of the instance's IP addresses (private ranges repeat across networks: not conclusive alone). */
  byIp: boolean;
}

/** How a hybrid registration (`mi-`) matches an EC2 instance, or undefined when it does not. */
export function twinMatch(inst: Instance, node: AgentInfo): TwinMatch | undefined {
  if (!isManagedNode(node.instanceId)) return undefined;
  const ips = new Set([inst.privateIp, inst.publicIp, ...inst.networkInterfaces.flatMap((n) => n.privateIps)].filter((x): x is string => !!x));
  const byIp = !!node.ipAddress && ips.has(node.ipAddress);
  const host = (node.computerName ?? '').toLowerCase().split('.')[0] ?? '';
  const byName = !!host && ec2HostNames(inst).includes(host);
  return byIp || byName ? { node, byName, byIp } : undefined;
}
