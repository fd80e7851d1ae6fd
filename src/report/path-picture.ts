// A picture of the path: for each service the agent talks to, the hops its HTTPS connection takes from the
// instance (security groups, network ACLs, route, endpoint or gateway, DNS), each judged with the evaluators
// the checks use (src/eval/path.ts, src/eval/net.ts, src/eval/net-targets.ts, the vpc.dns check). Pure: facts in,
// data out; `drawPicture` lays one picture out as text lines (the caller paints the marks).
import { vpcDns } from '../../checks/vpc.dns.js';
import { NeedFact, SkipCheck, type TargetContext } from '../check/kit.js';
import { agentSkipsEc2messages } from '../fix/endpoints.js';
import {
  intervalsOf,
  naclDecideSpace,
  naclSomePortNeverAllowed,
  naclRuleLabel,
  parseCidr,
  publicIpv4,
  sgGroupsAllow,
  sgReach,
  summarizeNacl,
  type Interval,
  type PortRange,
} from '../eval/net.js';
import {
  aclForSubnet,
  allSources,
  endpointEnis,
  hasOtherEnis,
  instanceGroupIds,
  instancePrimaryIp,
  isIpv6Only,
  liveEndpoints,
  osEphemeral,
  portsLabel,
  primarySource,
  type Source,
} from '../eval/net-targets.js';
import type { EndpointInterface, Facts, Instance, NetworkAcl, SecurityGroup, VpcEndpoint } from '../facts/facts.js';
import { endpointsOf, instanceOf, instanceRouteTable, securityGroup, serviceName, vpcIdOf } from '../facts/lookup.js';
import { agentPath, defaultRoute, provenByAgent, reachOf, targetName, type InternetPath } from '../eval/path.js';
import { natUplink } from '../eval/route.js';
import { runCheck } from '../check/run.js';
import { displayWidth } from './table.js';
import { wrap } from './wrap.js';

export interface Hop {
  label: string;
  /** true: lets the connection through; false: stops it; absent: unknown (a fact could not be read, or cannot be proven). */
  ok?: boolean;
  /** A place on the path (the instance, an endpoint, a gateway) rather than a filter: drawn without a mark unless it breaks. */
  place?: boolean;
}

export interface PathPicture {
  /** `ssm`, `ssmmessages`, `ec2messages`, `kms`, `logs`, `s3`. */
  service: string;
  hops: Hop[];
  /** false when a hop stops the connection, undefined when none does but one is unknown, else true. */
  ok: boolean | undefined;
}

const HTTPS: PortRange = { from: 443, to: 443 };

/** The services the agent connects to: ssm, ssmmessages, ec2messages (agents < 3.3.40.0), and kms/logs/s3 when the preferences need them. */
export function pictureServices(ctx: TargetContext): string[] {
  const services = ['ssm', 'ssmmessages'];
  if (!agentSkipsEc2messages(ctx)) services.push('ec2messages');
  const prefs = ctx.facts.preferences;
  if (prefs.ok && prefs.value) {
    if (prefs.value.kmsKeyId) services.push('kms');
    if (prefs.value.cloudWatchLogGroupName) services.push('logs');
    if (prefs.value.s3BucketName) services.push('s3');
  }
  return services;
}

/** The hop chain of every service for one target; empty when the instance (or its VPC) cannot be read or does not apply. */
export function pathPictures(facts: Facts, id: string): PathPicture[] {
  const ctx: TargetContext = { facts, id, region: facts.region };
  const inst = attempt(() => {
    const i = instanceOf(ctx);
    vpcIdOf(ctx);
    return i;
  });
  if (!inst.ok) return [];
  return pictureServices(ctx).map((service) => picture(ctx, inst.value, service));
}

/** Whole-chain verdict: any ✖ wins, then any unknown. */
export function chainOk(hops: Hop[]): boolean | undefined {
  if (hops.some((h) => h.ok === false)) return false;
  if (hops.some((h) => h.ok === undefined)) return undefined;
  return true;
}

// ---------------------------------------------------------------------------------------------

type Attempt<T> = { ok: true; value: T } | { ok: false; why: string };

/** Runs a lookup; a fact that could not be read (or does not apply) becomes `why` instead of an exception. */
function attempt<T>(get: () => T): Attempt<T> {
  try {
    return { ok: true, value: get() };
  } catch (e) {
    if (e instanceof NeedFact) return { ok: false, why: `${e.apiError.api} ${e.apiError.code}` };
    if (e instanceof SkipCheck) return { ok: false, why: e.message };
    throw e;
  }
}

function picture(ctx: TargetContext, inst: Instance, service: string): PathPicture {
  const hops = chain(ctx, inst, service);
  return { service, hops, ok: chainOk(hops) };
}

function origin(inst: Instance): Hop {
  const ip = instancePrimaryIp(inst);
  return { label: ip ? `${inst.id} ${ip}` : inst.id, ok: true, place: true };
}

function chain(ctx: TargetContext, inst: Instance, service: string): Hop[] {
  // The network checks judge the IPv4 path only (IPv6 endpoint addresses are not collected).
  if (isIpv6Only(inst)) return [origin(inst), { label: 'IPv6 only: path not judged' }];
  if (service === 's3') {
    const gw = s3Gateway(ctx);
    if (!gw.ok) return [origin(inst), { label: `S3 gateway endpoint ? (${gw.why})` }];
    if (gw.value) return s3GatewayChain(ctx, inst, gw.value.endpoint, gw.value.routeTableId);
  }
  const path = attempt(() => agentPath(ctx, service));
  if (!path.ok) return [origin(inst), { label: `route ? (${path.why})` }];
  const p = path.value;
  if (p.kind !== 'endpoint') return internetChain(ctx, inst, service, p);

  const live = liveEndpoints(p.endpoints);
  const usable = live.filter((e) => e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (usable.length > 0) return endpointChain(ctx, inst, service, usable[0]!);
  // The endpoints exist but do not take the traffic: the agent resolves the public name and follows the route.
  const ep = live[0] ?? p.endpoints[0]!;
  const fallback = attempt(() => defaultRoute(ctx, service));
  if (fallback.ok && reachOf(fallback.value) !== 'none') {
    const why = ep.state.toLowerCase() !== 'available' ? ep.state : 'private DNS off';
    return [...internetChain(ctx, inst, service, fallback.value), { label: `${ep.id} bypassed (${why})`, ok: true, place: true }];
  }
  return endpointChain(ctx, inst, service, ep);
}

// --- interface endpoint --------------------------------------------------------------------------

function endpointChain(ctx: TargetContext, inst: Instance, service: string, ep: VpcEndpoint): Hop[] {
  const ip = instancePrimaryIp(inst);
  const enisA = attempt(() => endpointEnis(ctx, ep).filter((n) => n.privateIp));
  const enis = enisA.ok ? enisA.value : [];
  const instGroups = groupsOf(ctx, instanceGroupIds(inst));
  const acls = attempt(() => aclsOf(ctx));
  const ephemeral = osEphemeral(inst.platform);
  // Network ACLs filter only traffic that crosses a subnet boundary.
  const crossing = enis.filter((n) => n.subnetId !== inst.subnetId);
  const eniIps = crossing.map((n) => hostInterval(n.privateIp!));
  const instIp = ip ? [hostInterval(ip)] : [];

  const hops: Hop[] = [origin(inst)];
  hops.push(instanceEgressToEndpoint(ctx, instGroups, ep, enis, enisA.ok));
  if (crossing.length > 0) hops.push(aclHop(ctx, acls, inst.subnetId, true, HTTPS, eniIps, 'out'));
  hops.push(endpointPlace(ep, service, enis, enisA));
  const epSubnets = [...new Set(crossing.map((n) => n.subnetId))];
  if (instIp.length) for (const s of aclsBySubnet(acls, epSubnets)) hops.push(aclHop(ctx, acls, s, false, HTTPS, instIp, 'in'));
  hops.push(endpointIngress(ctx, inst, ep));
  // The replies (stateless ACLs): out of the endpoint subnet, into the instance subnet, on the OS's ephemeral ports.
  if (instIp.length) for (const s of aclsBySubnet(acls, epSubnets)) hops.push(aclHop(ctx, acls, s, true, ephemeral, instIp, 'out'));
  if (crossing.length > 0) hops.push(aclHop(ctx, acls, inst.subnetId, false, ephemeral, eniIps, 'in'));
  hops.push(privateDnsHop(ctx, ep));
  return hops;
}

function endpointPlace(ep: VpcEndpoint, service: string, enis: EndpointInterface[], enisA: Attempt<unknown>): Hop {
  const ips = enis.map((n) => n.privateIp!);
  const where = ips.length > 2 ? `${ips.slice(0, 2).join(', ')} +${ips.length - 2}` : ips.join(', ');
  const state = ep.state.toLowerCase();
  const label = [ep.id, service, where || (enisA.ok ? '' : '?'), state === 'available' ? '' : state].filter(Boolean).join(' ');
  if (state !== 'available') return { label, ok: false, place: true };
  // Without its network interfaces, the ACLs around the endpoint cannot be judged.
  return enisA.ok ? { label, ok: true, place: true } : { label, place: true };
}

function instanceEgressToEndpoint(
  ctx: TargetContext,
  groups: Attempt<SecurityGroup[]>,
  ep: VpcEndpoint,
  enis: EndpointInterface[],
  enisRead: boolean,
): Hop {
  const label = (ids: string) => `${ids} egress 443`;
  if (!groups.ok) return { label: label(`${groups.why}`) };
  const ids = sgIds(groups.value);
  const q = (ip: string | undefined, groupIds: string[]) =>
    sgGroupsAllow(groups.value, 'egress', { protocol: 'tcp', port: 443, peer: { ip, groupIds }, prefixLists: ctx.facts.prefixLists });
  if (enis.length === 0) {
    const r = q(undefined, ep.securityGroupIds);
    if (r?.result === 'match') return { label: label(groups.value.length > 1 ? r.groupId : ids), ok: true };
    // Without the endpoint's addresses only a rule naming its security groups can be proven.
    return { label: `${label(ids)}${enisRead ? '' : ' (endpoint addresses ?)'}` };
  }
  const results = enis.map((n) => q(n.privateIp, [...new Set([...n.securityGroupIds, ...ep.securityGroupIds])]));
  if (results.every((r) => r?.result === 'match')) return { label: label(groups.value.length > 1 ? results[0]!.groupId : ids), ok: true };
  if (results.some((r) => r === null)) return { label: label(ids), ok: false };
  return { label: `${label(ids)} (prefix list unreadable)` };
}

function endpointIngress(ctx: TargetContext, inst: Instance, ep: VpcEndpoint): Hop {
  const ids = ep.securityGroupIds;
  if (ids.length === 0) return { label: 'no SG ingress 443', ok: false };
  const groups = groupsOf(ctx, ids);
  const label = `${ids.join('+')} ingress 443`;
  if (!groups.ok) return { label };
  // As security-group.endpoint-ingress: the agent connects from the primary interface; another one only maybe.
  const judge = (from: Source): 'match' | 'unknown' | 'blocks' | { groupId: string } => {
    let unknown = false;
    for (const ip of from.ipv4s.length ? from.ipv4s : [undefined]) {
      const r = sgGroupsAllow(groups.value, 'ingress', { protocol: 'tcp', port: 443, peer: { ip, groupIds: from.groupIds }, prefixLists: ctx.facts.prefixLists });
      if (r?.result === 'match') return { groupId: r.groupId };
      if (r) unknown = true;
    }
    return unknown ? 'unknown' : 'blocks';
  };
  const primary = judge(primarySource(inst));
  if (typeof primary === 'object') return { label: `${groups.value.length > 1 ? primary.groupId : ids[0]} ingress 443`, ok: true };
  if (primary === 'unknown') return { label: `${label} (prefix list unreadable)` };
  if (hasOtherEnis(inst) && typeof judge(allSources(inst)) === 'object') return { label: `${label} (another ENI only)` };
  return { label, ok: false };
}

/** Private DNS: the endpoint setting, the VPC DNS attributes, and the DHCP options' DNS servers (the vpc.dns check). */
function privateDnsHop(ctx: TargetContext, ep: VpcEndpoint): Hop {
  if (!ep.privateDnsEnabled) return { label: 'private DNS off', ok: false };
  const attrs = ctx.facts.vpcDnsAttributes[ep.vpcId];
  if (!attrs?.ok) return { label: 'private DNS ?' };
  const off = [...(attrs.value.enableDnsSupport ? [] : ['enableDnsSupport']), ...(attrs.value.enableDnsHostnames ? [] : ['enableDnsHostnames'])];
  if (off.length) return { label: `private DNS (${off.join(', ')} off)`, ok: false };
  const dns = runCheck(vpcDns, ctx);
  if (dns.status === 'pass' || dns.status === 'skip') return { label: 'private DNS', ok: true };
  if (dns.status === 'error') return { label: 'private DNS (DHCP options ?)' };
  return { label: 'private DNS (custom DNS servers)' };
}

// --- NAT / internet gateway / unprovable hops ------------------------------------------------------

function internetChain(ctx: TargetContext, inst: Instance, service: string, path: InternetPath): Hop[] {
  const ip = instancePrimaryIp(inst);
  const acls = attempt(() => aclsOf(ctx));
  const publicSpace = publicIpv4();
  const ephemeral = osEphemeral(inst.platform);
  const route = routeHop(ctx, path, service);
  // As in the security-group and NACL checks, only a path that reaches public addresses is judged hop by hop:
  // past a route that goes nowhere, or to a hop that cannot be proven (transit gateway, private NAT...), nothing is known.
  if (reachOf(path) !== 'public') return [origin(inst), route];
  const hops: Hop[] = [origin(inst)];
  hops.push(instanceEgressToInternet(ctx, inst, publicSpace));
  hops.push(aclHop(ctx, acls, inst.subnetId, true, HTTPS, publicSpace, 'out'));
  hops.push(route);
  if (route.ok === false) return hops;
  const natSubnet = path.kind === 'nat' && path.nat?.subnetId && path.nat.subnetId !== inst.subnetId ? path.nat.subnetId : undefined;
  const instIp = ip ? [hostInterval(ip)] : [];
  if (natSubnet && instIp.length) {
    hops.push(aclHop(ctx, acls, natSubnet, false, HTTPS, instIp, 'in'));
    hops.push(aclHop(ctx, acls, natSubnet, true, HTTPS, publicSpace, 'out'));
  }
  hops.push({ label: `${service}.${ctx.region}.amazonaws.com`, ok: true, place: true });
  if (natSubnet && instIp.length) {
    // The NAT gateway picks source ports from all of 1024-65535.
    hops.push(aclHop(ctx, acls, natSubnet, false, { from: 1024, to: 65535 }, publicSpace, 'in'));
    hops.push(aclHop(ctx, acls, natSubnet, true, ephemeral, instIp, 'out'));
  }
  // Replies still come from the service's public address (the NAT gateway only rewrites the instance's side).
  hops.push(aclHop(ctx, acls, inst.subnetId, false, ephemeral, publicSpace, 'in'));
  return hops;
}

function instanceEgressToInternet(ctx: TargetContext, inst: Instance, target: Interval[]): Hop {
  const groups = groupsOf(ctx, instanceGroupIds(inst));
  if (!groups.ok) return { label: `${groups.why} egress 443` };
  const ids = sgIds(groups.value);
  const reach = sgReach(
    groups.value.flatMap((g) => g.egress),
    { protocol: 'tcp', port: 443, target, prefixLists: ctx.facts.prefixLists },
  );
  if (reach.covered === 'all') return { label: `${ids} egress 443`, ok: true };
  if (reach.covered === 'some') return { label: `${ids} egress 443 (partly)` };
  return reach.unknownPrefixLists.length ? { label: `${ids} egress 443 (prefix list unreadable)` } : { label: `${ids} egress 443`, ok: false };
}

function routeHop(ctx: TargetContext, path: InternetPath, service: string): Hop {
  const rtb = path.routeTableId;
  switch (path.kind) {
    case 'nat': {
      const nat = path.nat;
      const label = `${rtb} → ${path.natGatewayId}`;
      if (!nat) return { label: `${label} (does not exist)`, ok: false, place: true };
      const state = nat.state.toLowerCase();
      if (state === 'pending') return { label: `${label} pending`, place: true };
      if (state !== 'available') return { label: `${label} ${nat.state}`, ok: false, place: true };
      if (nat.connectivityType === 'private') {
        return provenByAgent(ctx, service) ? { label: `${label} (private NAT, proven by the agent)`, ok: true, place: true } : { label: `${label} (private NAT, beyond unproven)`, place: true };
      }
      const uplink = natUplink(ctx, vpcIdOf(ctx), nat);
      if (uplink && !uplink.ok) return { label: `${label} (no way to the internet from ${nat.subnetId})`, ok: false, place: true };
      return { label, ok: true, place: true };
    }
    case 'igw': {
      const label = `${rtb} → ${path.internetGatewayId} ${path.publicIp}`;
      const vpcId = vpcIdOf(ctx);
      const igws = ctx.facts.internetGateways[vpcId];
      if (igws?.ok && !igws.value.some((g) => g.id === path.internetGatewayId && g.attachments.some((a) => a.vpcId === vpcId))) {
        return { label: `${label} (not attached)`, ok: false, place: true };
      }
      return { label, ok: true, place: true };
    }
    case 'igw-no-public-ip':
      return { label: `no ${service} endpoint, ${rtb} → ${path.internetGatewayId}, no public IP`, ok: false, place: true };
    case 'unproven':
      return provenByAgent(ctx, service)
        ? { label: `${rtb} → ${path.target.id} (${targetName(path.target.type)}, proven by the agent)`, ok: true, place: true }
        : { label: `${rtb} → ${path.target.id} (${targetName(path.target.type)}, unproven)`, place: true };
    case 'blackhole':
      return { label: `no ${service} endpoint, ${rtb} → ${path.target.id} blackhole`, ok: false, place: true };
    case 'none':
      return { label: `no ${service} endpoint, ${rtb}: no default route`, ok: false, place: true };
  }
}

// --- S3 gateway endpoint --------------------------------------------------------------------------

function s3Gateway(ctx: TargetContext): Attempt<{ endpoint: VpcEndpoint; routeTableId: string } | undefined> {
  return attempt(() => {
    const name = serviceName(ctx.region, 's3');
    const vpcId = vpcIdOf(ctx);
    const table = instanceRouteTable(ctx);
    const gw = endpointsOf(ctx).find(
      (e) => e.serviceName === name && e.vpcId === vpcId && e.type.toLowerCase() === 'gateway' && e.routeTableIds.includes(table.id) && e.state.toLowerCase() === 'available',
    );
    return gw ? { endpoint: gw, routeTableId: table.id } : undefined;
  });
}

function s3GatewayChain(ctx: TargetContext, inst: Instance, gw: VpcEndpoint, routeTableId: string): Hop[] {
  const acls = attempt(() => aclsOf(ctx));
  // The gateway endpoint's addresses are the S3 prefix list's; without it, S3 lives in the public space.
  const pl = Object.values(ctx.facts.prefixLists).find((f) => f?.ok && f.value.name === serviceName(ctx.region, 's3'));
  const target = pl?.ok ? intervalsOf(pl.value.cidrs) : publicIpv4();
  return [
    origin(inst),
    instanceEgressToInternet(ctx, inst, target),
    aclHop(ctx, acls, inst.subnetId, true, HTTPS, target, 'out'),
    { label: `${routeTableId} → ${gw.id} (gateway)`, ok: true, place: true },
    { label: `s3.${ctx.region}.amazonaws.com`, ok: true, place: true },
    aclHop(ctx, acls, inst.subnetId, false, osEphemeral(inst.platform), target, 'in'),
  ];
}

// --- shared pieces --------------------------------------------------------------------------------

function groupsOf(ctx: TargetContext, ids: string[]): Attempt<SecurityGroup[]> {
  const r = attempt(() => ids.map((id) => securityGroup(ctx, id)));
  return r.ok ? r : { ok: false, why: ids.join('+') || 'no SG' };
}

function sgIds(groups: SecurityGroup[]): string {
  return groups.map((g) => g.id).join('+') || 'no SG';
}

function aclsOf(ctx: TargetContext): NetworkAcl[] {
  const vpcId = vpcIdOf(ctx);
  const f = ctx.facts.networkAcls[vpcId];
  if (!f) throw new NeedFact({ api: 'ssm-doctor', code: 'NotCollected', message: '', kind: 'other' }, `the network ACLs of ${vpcId}`);
  if (!f.ok) throw new NeedFact(f.error, `the network ACLs of ${vpcId}`);
  return f.value;
}

/** Subnets, one per distinct ACL (several endpoint subnets often share one). */
function aclsBySubnet(acls: Attempt<NetworkAcl[]>, subnetIds: string[]): string[] {
  if (!acls.ok) return subnetIds.slice(0, 1);
  const seen = new Set<string>();
  return subnetIds.filter((s) => {
    const key = aclForSubnet(acls.value, s)?.id ?? s;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hostInterval(ip: string): Interval {
  const c = parseCidr(ip)!;
  return { family: c.family, lo: c.lo, hi: c.hi };
}

/**
 * One network ACL direction, judged as network.acl judges it (naclDecideSpace over the ports and addresses):
 * all allowed ✔; every packet to a single peer, or the whole internet, denied ✖ naming the rule; part of
 * the public address space denied is unknown (it depends on the service's addresses).
 */
function aclHop(
  ctx: TargetContext,
  acls: Attempt<NetworkAcl[]>,
  subnetId: string | undefined,
  egress: boolean,
  ports: PortRange,
  ips: Interval[],
  dir: 'in' | 'out',
): Hop {
  const what = `${dir} ${portsLabel(ports)}`;
  if (!acls.ok) return { label: `ACL ${what} ?` };
  const acl = subnetId ? aclForSubnet(acls.value, subnetId) : undefined;
  if (!acl) return { label: `ACL of ${subnetId ?? '?'} ${what} ?` };
  const cells = naclDecideSpace(acl.entries, { egress, protocol: '6', ports, ips });
  const sum = summarizeNacl(cells);
  const label = `${acl.id} ${what}`;
  if (sum.allowed === 'all') return { label, ok: true };
  const rules = `rule ${sum.blockingRules.map(naclRuleLabel).join(', ')}`;
  const hostsOnly = ips.every((iv) => iv.lo === iv.hi);
  if (hostsOnly || sum.allowed === 'none' || naclSomePortNeverAllowed(cells, ports)) return { label: `${label} ${rules}`, ok: false };
  // Every port passes for part of the public address space: it depends on where the service's addresses fall.
  return { label: `${label} partly (${rules})` };
}

// --- drawing --------------------------------------------------------------------------------------

export const SEPARATOR = ' ─ ';

export interface DrawOptions {
  /** Text before the chain on the first line (e.g. `    ssmmessages: `). */
  prefix: string;
  /** Indentation of continuation lines. */
  indent: string;
  /** Maximum line width (plain text); chains wrap at hop boundaries. Default 120. */
  width?: number;
  /** Paints a hop's mark (✔ ✖ ?); identity by default. */
  paint?: (ok: boolean | undefined, mark: string) => string;
}

export function hopMark(hop: Hop): string {
  if (hop.place && hop.ok === true) return '';
  return hop.ok === true ? '✔' : hop.ok === false ? '✖' : '?';
}

/**
 * The picture as lines: `ssm: i-0abc 10.0.1.10 ─ sg-1 egress 443 ✔ ─ ...`, wrapped at ` ─ ` under `width`
 * (columns, the trailing ` ─` included); a hop too long for a line of its own wraps at its spaces.
 */
export function drawPicture(p: PathPicture, o: DrawOptions): string[] {
  const width = o.width ?? 120;
  const paint = o.paint ?? ((_ok, m) => m);
  const lines: string[] = [];
  let plain = o.prefix;
  let text = o.prefix;
  let first = true;
  const tail = SEPARATOR.trimEnd();
  p.hops.forEach((h, i) => {
    const mark = hopMark(h);
    const part = mark ? `${h.label} ${mark}` : h.label;
    const last = i === p.hops.length - 1;
    const need = (first ? 0 : SEPARATOR.length) + displayWidth(part) + (last ? 0 : tail.length);
    if (!first && displayWidth(plain) + need > width) {
      lines.push(text + tail);
      plain = o.indent;
      text = o.indent;
      first = true;
    }
    const lead = first ? '' : SEPARATOR;
    // A hop wider than a whole line: its words wrap, the mark painted on the last piece.
    const pieces = wrap(h.label, width - (last ? 0 : tail.length) - (mark ? mark.length + 1 : 0), plain + lead, o.indent);
    if (pieces.length > 1) {
      lines.push(...pieces.slice(0, -1).map((l, k) => (k === 0 ? text + l.slice(plain.length) : l)));
      plain = `${pieces.at(-1)!}${mark ? ` ${mark}` : ''}`;
      text = `${pieces.at(-1)!}${mark ? ` ${paint(h.ok, mark)}` : ''}`;
    } else {
      plain += lead + part;
      text += lead + (mark ? `${h.label} ${paint(h.ok, mark)}` : h.label);
    }
    first = false;
  });
  lines.push(text);
  return lines;
}
