// Do the interface endpoints' security groups admit the instance's HTTPS (a CIDR holding its address, or one of its
// security groups as source)? security-group.endpoint-ingress judges the agent's endpoints; the session checks the
// kms and logs endpoints.
import type { Fix, TargetContext, Verdict } from '../check/kit.js';
import type { Instance, SecurityGroup } from '../facts/facts.js';
import { securityGroup } from '../facts/lookup.js';
import { agentSkipsEc2messages } from '../fix/endpoints.js';
import { tfHttpsRule } from '../fix/security-group.js';
import { sgGroupsAllow, sgRuleCoversTraffic } from './net.js';
import { describeSgRule, isIpv6Only, someOf, vpcCidrFor, type EndpointTarget, type Source } from './net-targets.js';

type Outcome =
  | { kind: 'admits'; target: EndpointTarget; groupId: string; via: string; source: string }
  | { kind: 'unknown'; target: EndpointTarget; groupId: string; prefixListIds: string[] }
  | { kind: 'blocks'; target: EndpointTarget; groups: SecurityGroup[] };

/** The verdict for the agent connecting from these addresses and security groups. */
export function judgeEndpointIngress(ctx: TargetContext, inst: Instance, vpcId: string, targets: EndpointTarget[], from: Source): Verdict {
  // An IPv6-only instance connects from its IPv6 addresses; every other one over IPv4.
  const ipv6Only = isIpv6Only(inst);
  const ips = ipv6Only ? from.ipv6s : from.ipv4s;
  const groupIds = from.groupIds;
  const who = `${inst.id} (${[...ips, ...groupIds].join(', ')})`;

  const outcomes: Outcome[] = targets.map((target) => {
    const groups = target.endpoint.securityGroupIds.map((id) => securityGroup(ctx, id));
    let unknown: Outcome | undefined;
    for (const ip of ips.length ? ips : [undefined]) {
      const r = sgGroupsAllow(groups, 'ingress', {
        protocol: 'tcp',
        port: 443,
        peer: { ip, groupIds },
        prefixLists: ctx.facts.prefixLists,
      });
      if (r?.result === 'match') return { kind: 'admits', target, groupId: r.groupId, via: r.via, source: r.source };
      if (r && !unknown) unknown = { kind: 'unknown', target, groupId: r.groupId, prefixListIds: r.prefixListIds };
    }
    return unknown ?? { kind: 'blocks', target, groups };
  });

  const data = {
    endpoints: outcomes.map((o) => ({
      id: o.target.endpoint.id,
      service: o.target.service,
      securityGroupIds: o.target.endpoint.securityGroupIds,
      result: o.kind,
      ...(o.kind === 'admits' ? { groupId: o.groupId, via: o.via, source: o.source } : {}),
      ...(o.kind === 'unknown' ? { groupId: o.groupId, prefixListIds: o.prefixListIds } : {}),
    })),
  };

  const optionalEc2messages = agentSkipsEc2messages(ctx);
  const blocks = outcomes.filter((o): o is Extract<Outcome, { kind: 'blocks' }> => o.kind === 'blocks');
  const hard = blocks.filter((o) => !(optionalEc2messages && o.target.service === 'ec2messages'));
  const unknowns = outcomes.filter((o): o is Extract<Outcome, { kind: 'unknown' }> => o.kind === 'unknown');

  if (blocks.length > 0) {
    const lines = groupBySgs(blocks).map((os) => {
      const groups = os[0]!.groups;
      const verb = os.length === 1 ? 'does' : 'do';
      return `${labels(os.map((o) => o.target))} ${verb} not admit TCP 443 from ${who}: ${groups.length ? groups.map((g) => explain(g, ipv6Only)).join(' ') : 'no security group is attached.'}`;
    });
    const soft =
      hard.length === 0
        ? ` The agent (>= 3.3.40.0) uses ssmmessages instead of ec2messages, so only agents older than that are affected.`
        : '';
    const sgs = [...new Set(blocks.flatMap((o) => o.target.endpoint.securityGroupIds))].sort();
    return {
      status: hard.length > 0 ? 'fail' : 'warn',
      subject: sgs.join(',') || `no-sg:${vpcId}`,
      summary:
        `The endpoint security group${sgs.length === 1 ? '' : 's'} ${sgs.join(', ') || '(none attached)'} admit${sgs.length === 1 ? 's' : ''} no HTTPS ` +
        `(TCP 443) from the instance${sgs.length && blocks.every((o) => o.groups.every((g) => g.ingress.length === 0)) ? ': no inbound rule at all' : ''}.`,
      detail: lines.join(' ') + soft,
      fix: ingressFix(ctx.region, blocks, groupIds[0], vpcCidrFor(ctx, vpcId)),
      data,
    };
  }
  if (unknowns.length > 0) {
    return {
      status: 'warn',
      detail:
        unknowns
          .map((o) => `${label(o.target)}: only ${o.groupId}'s rule with prefix list ${o.prefixListIds.join(', ')} could admit TCP 443 from ${who}, and that prefix list could not be read.`)
          .join(' ') + ' Grant ec2:GetManagedPrefixListEntries to ssm-doctor, or check the prefix list entries by hand.',
      data,
    };
  }
  const admits = outcomes as Extract<Outcome, { kind: 'admits' }>[];
  return {
    status: 'pass',
    detail:
      groupBy(admits, (o) => `${o.groupId}|${o.source}`)
        .map((os) => `${os.length === 1 ? label(os[0]!.target) : `The ${os.length} endpoints (${os.map((o) => o.target.service).join(', ')})`} ${os.length === 1 ? 'admits' : 'admit'} TCP 443 from the instance (${os[0]!.groupId}: ${os[0]!.source})`)
        .join('; ') + '.',
    data,
  };
}

function label(t: EndpointTarget): string {
  return `${t.endpoint.id} (${t.service}, security group${t.endpoint.securityGroupIds.length === 1 ? '' : 's'} ${t.endpoint.securityGroupIds.join(', ') || 'none'})`;
}

/** `vpce-1 (ssm), vpce-2 (ssmmessages) with security group sg-1`: endpoints sharing the same groups. */
function labels(ts: EndpointTarget[]): string {
  if (ts.length === 1) return label(ts[0]!);
  const sgs = ts[0]!.endpoint.securityGroupIds;
  return `${ts.map((t) => `${t.endpoint.id} (${t.service})`).join(', ')} with security group${sgs.length === 1 ? '' : 's'} ${sgs.join(', ') || 'none'}`;
}

function groupBy<T>(xs: T[], key: (x: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return [...m.values()];
}

function groupBySgs<T extends { target: EndpointTarget }>(xs: T[]): T[][] {
  return groupBy(xs, (o) => o.target.endpoint.securityGroupIds.join(','));
}

/** Why one security group does not admit the instance. */
function explain(g: SecurityGroup, ipv6Only: boolean): string {
  const name = `${g.id}${g.name ? ` (${g.name})` : ''}`;
  if (g.ingress.length === 0) {
    return (
      `${name} has no inbound rules at all, so nothing may connect to the endpoint. (A common cause: a Terraform ingress ` +
      'block without cidr_blocks or security_groups, which creates no rule.)'
    );
  }
  if (g.name === 'default' && g.ingress.every((r) => r.groupIds.length > 0 && r.groupIds.every((x) => x === g.id) && !r.cidrs.length && !r.ipv6Cidrs.length)) {
    return `${name} is the VPC's default security group, which only admits members of itself.`;
  }
  const https = g.ingress.filter((r) => sgRuleCoversTraffic(r, 'tcp', 443));
  if (https.length === 0) {
    return `${name} admits only ${someOf(g.ingress.map((r) => describeSgRule(r, 'ingress')))}: nothing on TCP 443.`;
  }
  const v6only = https.every((r) => r.ipv6Cidrs.length > 0 && !r.cidrs.length && !r.groupIds.length && !r.prefixListIds.length);
  if (v6only && !ipv6Only) {
    return `In ${name} the HTTPS rules name only IPv6 ranges (${https.flatMap((r) => r.ipv6Cidrs).join(', ')}), but the agent reaches the endpoint over IPv4.`;
  }
  return `${name} admits TCP 443 only ${someOf(https.map((r) => describeSgRule(r, 'ingress').replace(/^.*? from /, 'from ')))}, which matches neither the instance's addresses nor its security groups.`;
}

function ingressFix(region: string, blocks: Extract<Outcome, { kind: 'blocks' }>[], instanceSg: string | undefined, vpcCidr: string): Fix {
  // One rule on one of each endpoint's groups is enough: security groups are a union.
  const sgs = [...new Set(blocks.map((o) => o.target.endpoint.securityGroupIds[0]).filter((x): x is string => !!x))];
  // From the instance's security group (what the instance is), else from the VPC's address range.
  const source = instanceSg ? `--source-group ${instanceSg}` : `--cidr ${vpcCidr}`;
  const cli = sgs.map((sg) => `aws ec2 authorize-security-group-ingress --group-id ${sg} --protocol tcp --port 443 ${source} --region ${region}`);
  const terraform = sgs
    .map(
      (sg) =>
        `# The endpoint SG's ingress needs a source: an ingress block without cidr_blocks or security_groups creates no rule.\n` +
        tfHttpsRule({
          name: `vpce_https_${sg}_from_${instanceSg ?? 'vpc'}`,
          type: 'ingress',
          securityGroupId: sg,
          ...(instanceSg ? { sourceSecurityGroupId: instanceSg } : { cidr: vpcCidr }),
          description: 'HTTPS from the instances to the SSM interface endpoints',
        }),
    )
    .join('\n\n');
  return {
    summary: `Allow inbound TCP 443 from ${instanceSg ? `the instance's security group ${instanceSg}` : vpcCidr} on ${sgs.join(', ')}.`,
    cli,
    terraform: `${terraform}\n`,
  };
}
