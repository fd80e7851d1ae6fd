// Guards: the instance's security groups allow outbound TCP 443 to the SSM endpoints (endpoint ENIs / endpoint SGs, or the internet on the NAT/IGW path).
import { type Check, type Fix, type TargetContext, type Verdict } from '../src/check/kit.js';
import { agentSkipsEc2messages } from '../src/fix/endpoints.js';
import { publicIpv4, sgGroupsAllow, sgReach, sgRuleCoversTraffic, type SgReach } from '../src/eval/net.js';
import {
  agentPaths,
  describeSgRule,
  endpointEnis,
  endpointTargets,
  instanceGroupIds,
  ipv6OnlyNote,
  isIpv6Only,
  notJudgedNote,
  primarySource,
  publicPaths,
  reconsiderOtherEnis,
  skipWithoutJudgeablePath,
  someOf,
  vpcCidrFor,
  type EndpointTarget,
  type ServicePath,
} from '../src/eval/net-targets.js';
import type { Instance, SecurityGroup } from '../src/facts/facts.js';
import { instanceOf, securityGroup, vpcIdOf } from '../src/facts/lookup.js';
import { describePath } from '../src/eval/path.js';
import { tfHttpsRule } from '../src/fix/security-group.js';

type EndpointOutcome =
  | { kind: 'admits'; target: EndpointTarget; matches: { to: string; groupId: string; source: string }[] }
  | { kind: 'blocks'; target: EndpointTarget; blocked: string[]; admitted: string[] }
  | { kind: 'unknown'; target: EndpointTarget; why: string };

export const securityGroupInstanceEgress: Check = {
  meta: {
    id: 'security-group.instance-egress',
    explains: ['agent.ping', 'session.connection'],
    title: 'Instance security groups allow HTTPS out',
    group: 'network',
    description:
      "The instance's security groups must allow outbound TCP 443 to the interface endpoints (their ENI addresses or " +
      'security groups), or to the internet when the agent goes out through a NAT or internet gateway.',
    fixes: '`aws ec2 authorize-security-group-egress` on the instance SG (TCP 443 to the VPC CIDR or 0.0.0.0/0); `aws_security_group_rule`',
  },
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    if (isIpv6Only(inst)) {
      // The endpoints' IPv6 addresses are not collected and the public path is judged for IPv4: say what is there.
      const ids = instanceGroupIds(inst);
      const gs = ids.map((id) => securityGroup(ctx, id));
      return {
        status: 'warn',
        detail: `${ipv6OnlyNote(inst)}. Outbound TCP 443 in security group${ids.length === 1 ? '' : 's'} ${ids.join(', ')}: ${httpsEgress(gs).replace(/^only /, '')}.`,
        data: { securityGroupIds: ids, ipv6Only: true },
      };
    }
    const paths = agentPaths(ctx);
    const targets = endpointTargets(paths);
    const publicServices = publicPaths(paths);
    skipWithoutJudgeablePath(paths, targets, publicServices);
    // The agent's connections leave through the primary interface; another one only when the OS routes through it.
    const primary = primarySource(inst);
    const verdict = judge(ctx, inst, vpcId, paths, targets, publicServices, primary.groupIds);
    const judgeAll = () => judge(ctx, inst, vpcId, paths, targets, publicServices, instanceGroupIds(inst));
    return reconsiderOtherEnis(inst, primary, verdict, judgeAll, 'otherInterfaceAllows');
  },
};

/** The verdict for the agent's traffic leaving through these security groups. */
function judge(
  ctx: TargetContext,
  inst: Instance,
  vpcId: string,
  paths: ServicePath[],
  targets: EndpointTarget[],
  publicServices: ServicePath[],
  groupIds: string[],
): Verdict {
  const groups = groupIds.map((id) => securityGroup(ctx, id));
  const one = groups.length === 1;
  const sgs = `Security group${one ? '' : 's'} ${groupIds.join(', ')}`;
  const [allows, doNot, they] = one ? ['allows', 'does not allow', 'it allows'] : ['allow', 'do not allow', 'they allow'];

  const endpointOutcomes = targets.map((t) => judgeEndpoint(ctx, t, groups));
  const reach = publicServices.length
    ? sgReach(groups.flatMap((g) => g.egress), { protocol: 'tcp', port: 443, target: publicIpv4(), prefixLists: ctx.facts.prefixLists })
    : undefined;

  const optionalEc2messages = agentSkipsEc2messages(ctx);
  const isHard = (service: string) => !(optionalEc2messages && service === 'ec2messages');
  const fails: string[] = [];
  const warns: string[] = [];
  const passes: string[] = [];
  let fixEndpoint = false;
  let fixPublic = false;

  const passed = new Map<string, string[]>();
  const blocked: Record<'hard' | 'soft', string[]> = { hard: [], soft: [] };
  for (const o of endpointOutcomes) {
    const name = `${o.target.endpoint.id} (${o.target.service})`;
    if (o.kind === 'admits') {
      const via = [...new Set(o.matches.map((m) => `${m.groupId}: ${m.source}`))].join(', ');
      passed.set(via, [...(passed.get(via) ?? []), name]);
    } else if (o.kind === 'unknown') {
      warns.push(`${name}: ${o.why}`);
    } else {
      const partly = o.admitted.length ? ` (only ${o.admitted.join(', ')} allowed: connections fail whenever DNS answers with a blocked address)` : '';
      blocked[isHard(o.target.service) ? 'hard' : 'soft'].push(`${name} at ${o.blocked.join(', ')}${partly}`);
      fixEndpoint = true;
    }
  }
  for (const [via, names] of passed) passes.push(`to ${names.length > 1 ? `the ${names.length} endpoints` : names[0]} (${via})`);
  const blockedLine = (xs: string[]) => `${sgs} ${doNot} TCP 443 out to ${xs.join(', ')}; ${they} ${httpsEgress(groups)}.`;
  if (blocked.hard.length) fails.push(blockedLine(blocked.hard));
  if (blocked.soft.length) {
    warns.push(`${blockedLine(blocked.soft)} The agent (>= 3.3.40.0) uses ssmmessages instead of ec2messages, so only agents older than that are affected.`);
  }

  if (reach) {
    const services = publicServices.map((p) => p.service).join(', ');
    const route = describePath(publicServices[0]!.path);
    if (reach.covered === 'all') {
      passes.push(`to the internet for ${services} (${reach.admitted.slice(0, 2).join(', ')}${reach.admitted.length > 2 ? ', ...' : ''})`);
    } else if (reach.covered === 'some') {
      warns.push(
        `${sgs} ${allows} TCP 443 out to only part of the internet (${reach.admitted.join(', ')}), and ${services} go ${route} to public ` +
          `addresses: this works only if the ${ctx.region} service addresses (AWS ip-ranges.json) fall inside.${unknownNote(reach)}`,
      );
      fixPublic = true;
    } else {
      const line =
        `${sgs} ${doNot} TCP 443 out to the internet, and ${services} go ${route} to public addresses; ` +
        `${they} ${httpsEgress(groups)}.${unknownNote(reach)}`;
      (reach.unknownPrefixLists.length || !publicServices.some((p) => isHard(p.service)) ? warns : fails).push(line);
      fixPublic = true;
    }
  }

  const data = {
    securityGroupIds: groupIds,
    endpoints: endpointOutcomes.map((o) => ({
      id: o.target.endpoint.id,
      service: o.target.service,
      result: o.kind,
      ...(o.kind === 'admits' ? { matches: o.matches } : {}),
      ...(o.kind === 'blocks' ? { blocked: o.blocked } : {}),
    })),
    ...(reach ? { internet: { services: publicServices.map((p) => p.service), covered: reach.covered, admitted: reach.admitted } } : {}),
  };
  const fix = egressFix(ctx.region, groupIds[0] ?? 'default', fixEndpoint ? vpcCidrFor(ctx, vpcId) : undefined, fixPublic);
  // The instance's security groups are the resource: instances sharing them share the cause and the fix.
  const subject = groupIds.join(',') || `no-sg:${ctx.id}`;
  const summary = `${sgs} ${doNot} TCP 443 out to ${[...(fixEndpoint ? ['the interface endpoints'] : []), ...(fixPublic ? ['the public SSM endpoints'] : [])].join(' or ') || 'the SSM endpoints'}.`;
  if (fails.length) return { status: 'fail', subject, summary, detail: [...fails, ...warns].join(' '), fix, data };
  if (warns.length) return { status: 'warn', subject, detail: warns.join(' ') + notJudgedNote(paths), ...(fixEndpoint || fixPublic ? { fix } : {}), data };
  return { status: 'pass', detail: `${sgs} ${allows} TCP 443 out ${passes.join('; ')}.${notJudgedNote(paths)}`, data };
}

function judgeEndpoint(ctx: Parameters<Check['run']>[0], target: EndpointTarget, groups: SecurityGroup[]): EndpointOutcome {
  const { endpoint } = target;
  const enis = endpointEnis(ctx, endpoint).filter((n) => n.privateIp);
  const q = (ip: string | undefined, groupIds: string[]) =>
    sgGroupsAllow(groups, 'egress', { protocol: 'tcp', port: 443, peer: { ip, groupIds }, prefixLists: ctx.facts.prefixLists });
  if (enis.length === 0) {
    const r = q(undefined, endpoint.securityGroupIds);
    if (r?.result === 'match') return { kind: 'admits', target, matches: [{ to: endpoint.securityGroupIds.join(', '), groupId: r.groupId, source: r.source }] };
    return { kind: 'unknown', target, why: `its network interfaces (addresses) were not found, and no egress rule names its security groups ${endpoint.securityGroupIds.join(', ')}.` };
  }
  const matches: { to: string; groupId: string; source: string }[] = [];
  const blocked: string[] = [];
  const unknownLists = new Set<string>();
  for (const eni of enis) {
    const r = q(eni.privateIp, [...new Set([...eni.securityGroupIds, ...endpoint.securityGroupIds])]);
    if (r?.result === 'match') matches.push({ to: eni.privateIp!, groupId: r.groupId, source: r.source });
    else {
      if (r) r.prefixListIds.forEach((x) => unknownLists.add(x));
      blocked.push(eni.privateIp!);
    }
  }
  if (blocked.length === 0) return { kind: 'admits', target, matches };
  if (unknownLists.size) {
    return { kind: 'unknown', target, why: `only rules with prefix list ${[...unknownLists].join(', ')} could allow TCP 443 out to ${blocked.join(', ')}, and it could not be read.` };
  }
  return { kind: 'blocks', target, blocked, admitted: matches.map((m) => m.to) };
}

/** What HTTPS egress the groups do have, for the detail line. */
function httpsEgress(groups: SecurityGroup[]): string {
  const rules = groups.flatMap((g) => g.egress.filter((r) => sgRuleCoversTraffic(r, 'tcp', 443)).map((r) => `${g.id}: ${describeSgRule(r, 'egress')}`));
  return rules.length ? `only ${someOf(rules)}` : 'no outbound TCP 443 at all';
}

function unknownNote(reach: SgReach): string {
  return reach.unknownPrefixLists.length ? ` Prefix list ${reach.unknownPrefixLists.join(', ')} could not be read and may allow more.` : '';
}

function egressFix(region: string, sg: string, vpcCidr: string | undefined, internet: boolean): Fix {
  const cidrs = [...(vpcCidr ? [vpcCidr] : []), ...(internet ? ['0.0.0.0/0'] : [])];
  return {
    summary: `Allow outbound TCP 443 from ${sg} to ${cidrs.map((c) => (c === '0.0.0.0/0' ? '0.0.0.0/0 (the public SSM endpoints)' : `${c} (the interface endpoints)`)).join(' and ')}.`,
    cli: cidrs.map(
      (c) =>
        `aws ec2 authorize-security-group-egress --group-id ${sg} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=${c}}]' --region ${region}`,
    ),
    terraform: cidrs
      .map((c) =>
        tfHttpsRule({
          name: `ec2_https_out_${sg}_${c === '0.0.0.0/0' ? 'internet' : 'vpc'}`,
          type: 'egress',
          securityGroupId: sg,
          cidr: c,
          description: `SSM Agent HTTPS to ${c === '0.0.0.0/0' ? 'the public SSM endpoints' : 'the SSM interface endpoints'}`,
        }),
      )
      .join('\n\n'),
  };
}
