// The fix for network ACL legs that block the agent: an allow entry per blocked leg, numbered before the rule that
// blocks it (the first free number below it, or in its place), as CLI and Terraform.
import type { Fix, TargetContext } from '../check/kit.js';
import { cidrContains, freeNaclRuleNumber, naclRuleLabel, type PortRange } from '../eval/net.js';
import { portsLabel } from '../eval/net-targets.js';
import { isWidePeer, type Leg, type Problem } from '../eval/nacl-legs.js';
import { tfLabel } from '../eval/permissions.js';
import type { NetworkAclEntry } from '../facts/facts.js';

/** The CIDR a new allow entry should name: 0.0.0.0/0 for the internet or a prefix list, else the VPC CIDR containing the peer. */
function fixCidr(ctx: TargetContext, vpcId: string, leg: Leg): string {
  if (isWidePeer(leg)) return '0.0.0.0/0';
  const peer = leg.peer;
  const vpc = ctx.facts.vpcs[vpcId];
  const cidr = vpc?.ok ? vpc.value.cidrs.find((c) => cidrContains(c, peer)) : undefined;
  return cidr ?? `${peer}/32`;
}

export function aclFix(ctx: TargetContext, vpcId: string, problems: Problem[]): Fix {
  type Entry = { aclId: string; egress: boolean; ports: PortRange; cidr: string; below: number; entries: NetworkAclEntry[] };
  const wanted = new Map<string, Entry>();
  for (const p of problems) {
    const ports = p.leg.ports;
    const cidr = fixCidr(ctx, vpcId, p.leg);
    const key = [p.leg.acl.id, p.leg.egress, ports.from, ports.to, cidr].join('|');
    const below = Math.min(...p.blockingRules);
    const prev = wanted.get(key);
    if (prev) prev.below = Math.min(prev.below, below);
    else wanted.set(key, { aclId: p.leg.acl.id, egress: p.leg.egress, ports, cidr, below, entries: p.leg.acl.entries });
  }
  const taken = new Map<string, NetworkAclEntry[]>();
  const cli: string[] = [];
  const tf: string[] = [];
  const summary: string[] = [];
  for (const w of wanted.values()) {
    const pool = taken.get(w.aclId) ?? [...w.entries];
    taken.set(w.aclId, pool);
    const free = freeNaclRuleNumber(pool, w.egress, w.below);
    const number = free ?? w.below;
    pool.push({ ruleNumber: number, egress: w.egress, protocol: '6', action: 'allow' });
    const verb = free === null ? 'replace-network-acl-entry' : 'create-network-acl-entry';
    const dir = w.egress ? 'outbound' : 'inbound';
    summary.push(
      `${dir} TCP ${portsLabel(w.ports)} ${w.egress ? 'to' : 'from'} ${w.cidr} on ${w.aclId} as rule ${number}` +
        (free === null ? ` (replacing rule ${number}: no free number below it)` : ` (before rule ${naclRuleLabel(w.below)})`),
    );
    cli.push(
      `aws ec2 ${verb} --network-acl-id ${w.aclId} --rule-number ${number} --protocol 6 --port-range From=${w.ports.from},To=${w.ports.to} ` +
        `${w.egress ? '--egress' : '--ingress'} --cidr-block ${w.cidr} --rule-action allow --region ${ctx.region}`,
    );
    tf.push(
      `resource "aws_network_acl_rule" "${tfLabel(`${w.aclId}_${w.egress ? 'out' : 'in'}_${w.ports.from}_${number}`)}" {\n` +
        `  network_acl_id = "${w.aclId}"\n` +
        `  rule_number    = ${number}\n` +
        `  egress         = ${w.egress}\n` +
        `  protocol       = "tcp"\n` +
        `  rule_action    = "allow"\n` +
        `  cidr_block     = "${w.cidr}"\n` +
        `  from_port      = ${w.ports.from}\n` +
        `  to_port        = ${w.ports.to}\n` +
        `}`,
    );
  }
  return { summary: `Allow ${summary.join('; ')}.`, cli, terraform: tf.join('\n\n') };
}
