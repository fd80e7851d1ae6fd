// Do the instance's security groups let its HTTPS out on a set of ways (src/eval/net-targets.ts Ways): to the
// interface endpoints' network interfaces (or their security groups), to public addresses (NAT / internet gateway),
// to a gateway endpoint's prefix list? security-group.instance-egress judges the agent's ways; the session checks
// the ways to kms, logs and s3.
import type { TargetContext, Verdict } from '../check/kit.js';
import type { SecurityGroup } from '../facts/facts.js';
import { securityGroup } from '../facts/lookup.js';
import { agentSkipsEc2messages } from '../fix/endpoints.js';
import { publicEndpoints } from './acl-path.js';
import { egressFix, type EgressPrefixList } from '../fix/security-group.js';
import { intervalsOf, publicIpv4, sgGroupsAllow, sgReach, sgRuleCoversTraffic, type SgReach } from './net.js';
import { describeSgRule, endpointEnis, notJudgedNote, someOf, vpcCidrFor, type EndpointTarget, type GatewayTarget, type Ways } from './net-targets.js';
import { describePath } from './path.js';

type EndpointOutcome =
  | { kind: 'admits'; target: EndpointTarget; matches: { to: string; groupId: string; source: string }[] }
  | { kind: 'blocks'; target: EndpointTarget; blocked: string[]; admitted: string[] }
  | { kind: 'unknown'; target: EndpointTarget; why: string };

/** The verdict for HTTPS leaving through these security groups on `ways`. */
export function judgeInstanceEgress(ctx: TargetContext, vpcId: string, ways: Ways, groupIds: string[]): Verdict {
  const { paths, targets, publicServices, gateways } = ways;
  const groups = groupIds.map((id) => securityGroup(ctx, id));
  const one = groups.length === 1;
  const sgs = `Security group${one ? '' : 's'} ${groupIds.join(', ')}`;
  const [allows, doNot, they] = one ? ['allows', 'does not allow', 'it allows'] : ['allow', 'do not allow', 'they allow'];
  const rules = groups.flatMap((g) => g.egress);

  const endpointOutcomes = targets.map((t) => judgeEndpoint(ctx, t, groups));
  const reach = publicServices.length ? sgReach(rules, { protocol: 'tcp', port: 443, target: publicIpv4(), prefixLists: ctx.facts.prefixLists }) : undefined;
  const gatewayReach = gateways.map((g) => ({
    g,
    // Without the prefix list's entries, the service's addresses are somewhere in the public address space.
    reach: sgReach(rules, { protocol: 'tcp', port: 443, target: g.prefixList ? intervalsOf(g.prefixList.cidrs) : publicIpv4(), prefixLists: ctx.facts.prefixLists }),
  }));

  const optionalEc2messages = agentSkipsEc2messages(ctx);
  const isHard = (service: string) => !(optionalEc2messages && service === 'ec2messages');
  const fails: string[] = [];
  const warns: string[] = [];
  const passes: string[] = [];
  let fixEndpoint = false;
  let fixPublic = false;
  const fixLists: EgressPrefixList[] = [];

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
    const services = `${publicServices.map((p) => p.service).join(', ')} ${publicServices.length === 1 ? 'goes' : 'go'}`;
    const route = describePath(publicServices[0]!.path);
    if (reach.covered === 'all') {
      passes.push(`to the internet for ${publicServices.map((p) => p.service).join(', ')} (${reach.admitted.slice(0, 2).join(', ')}${reach.admitted.length > 2 ? ', ...' : ''})`);
    } else if (reach.covered === 'some') {
      warns.push(
        `${sgs} ${allows} TCP 443 out to only part of the internet (${reach.admitted.join(', ')}), and ${services} ${route} to public ` +
          `addresses: this works only if the ${ctx.region} service addresses (AWS ip-ranges.json) fall inside.${unknownNote(reach)}`,
      );
      fixPublic = true;
    } else {
      const line =
        `${sgs} ${doNot} TCP 443 out to the internet, and ${services} ${route} to public addresses; ` +
        `${they} ${httpsEgress(groups)}.${unknownNote(reach)}`;
      (reach.unknownPrefixLists.length || !publicServices.some((p) => isHard(p.service)) ? warns : fails).push(line);
      fixPublic = true;
    }
  }

  for (const { g, reach: r } of gatewayReach) {
    const where = gatewayLabel(g);
    if (r.covered === 'all') {
      passes.push(`to ${where}`);
      continue;
    }
    fixLists.push({ service: g.service, id: g.prefixList?.id });
    if (r.covered === 'some') {
      warns.push(
        `${sgs} ${allows} TCP 443 out to only part of ${where} (${r.admitted.join(', ')})${g.prefixList ? '' : ': the prefix list was not read, so whether its addresses fall inside is unknown'}.${unknownNote(r)}`,
      );
    } else {
      (r.unknownPrefixLists.length ? warns : fails).push(`${sgs} ${doNot} TCP 443 out to ${where}; ${they} ${httpsEgress(groups)}.${unknownNote(r)}`);
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
    ...(gatewayReach.length
      ? { gateways: gatewayReach.map(({ g, reach: r }) => ({ id: g.endpoint.id, service: g.service, prefixListId: g.prefixList?.id, covered: r.covered })) }
      : {}),
  };
  const fix = egressFix(ctx.region, groupIds[0] ?? 'default', { vpcCidr: fixEndpoint ? vpcCidrFor(ctx, vpcId) : undefined, internet: fixPublic, prefixLists: fixLists });
  // The instance's security groups are the resource: instances sharing them share the cause and the fix.
  const subject = groupIds.join(',') || `no-sg:${ctx.id}`;
  const to = [
    ...(fixEndpoint ? ['the interface endpoints'] : []),
    ...(fixPublic ? [publicEndpoints(publicServices[0]!.service)] : []),
    ...fixLists.map((l) => `the ${l.service} prefix list`),
  ];
  const summary = `${sgs} ${doNot} TCP 443 out to ${to.join(' or ') || 'the SSM endpoints'}.`;
  if (fails.length) return { status: 'fail', subject, summary, detail: [...fails, ...warns].join(' '), fix, data };
  if (warns.length) return { status: 'warn', subject, detail: warns.join(' ') + notJudgedNote(paths), ...(fixEndpoint || fixPublic || fixLists.length ? { fix } : {}), data };
  return { status: 'pass', detail: `${sgs} ${allows} TCP 443 out ${passes.join('; ')}.${notJudgedNote(paths)}`, data };
}

/** `the s3 addresses (prefix list pl-1 of gateway endpoint vpce-1)`. */
export function gatewayLabel(g: GatewayTarget): string {
  return `the ${g.service} addresses (${g.prefixList ? `prefix list ${g.prefixList.id}, ` : ''}gateway endpoint ${g.endpoint.id})`;
}

function judgeEndpoint(ctx: TargetContext, target: EndpointTarget, groups: SecurityGroup[]): EndpointOutcome {
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
export function httpsEgress(groups: SecurityGroup[]): string {
  const rules = groups.flatMap((g) => g.egress.filter((r) => sgRuleCoversTraffic(r, 'tcp', 443)).map((r) => `${g.id}: ${describeSgRule(r, 'egress')}`));
  return rules.length ? `only ${someOf(rules)}` : 'no outbound TCP 443 at all';
}

function unknownNote(reach: SgReach): string {
  return reach.unknownPrefixLists.length ? ` Prefix list ${reach.unknownPrefixLists.join(', ')} could not be read and may allow more.` : '';
}
