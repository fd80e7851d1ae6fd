// Can the agent reach kms, logs or s3, the services the session preferences add? The whole way is judged: first
// where the traffic goes (an interface endpoint with private DNS, for S3 a gateway endpoint on the subnet's route
// table, or the subnet's default route), then every filter on that way with the evaluators the network checks use
// (the instance's security-group egress, the endpoint's security-group ingress, the network ACLs both ways, a gateway
// endpoint's prefix list included). A service that leaves the subnet exactly as ssm does (no endpoint of its own,
// ssm not through interface endpoints) is left to the network checks, which judge that way already.
import { SkipCheck, type Fix, type TargetContext, type Verdict } from '../check/kit.js';
import type { Finding } from '../check/findings.js';
import type { VpcEndpoint } from '../facts/facts.js';
import { endpointsOf, instanceOf, instanceRouteTable, serviceName, vpcIdOf } from '../facts/lookup.js';
import { mergeFixes, uniqueInOrder } from '../fix/merge.js';
import { privateDnsFix } from '../fix/route.js';
import { associateGatewayFix, interfaceEndpointFix, s3GatewayFix } from '../fix/service-endpoints.js';
import { judgeNetworkAcls } from './acl-path.js';
import {
  allSources,
  instanceGroupIds,
  instancePrimaryIp,
  isIpv6Only,
  primarySource,
  reconsiderOtherEnis,
  type GatewayTarget,
  type Ways,
} from './net-targets.js';
import { agentEndpoints, agentPath, defaultRoute, describePath, reachOf, type AgentPath } from './path.js';
import { judgeInstanceEgress } from './sg-egress.js';
import { judgeEndpointIngress } from './sg-ingress.js';

/** A session service: what it is for, and what its failure costs (appended to findings about its way). */
export interface SessionService {
  service: 'kms' | 'logs' | 's3';
  /** `KMS (session encryption)`. */
  what: string;
  /** A sentence: what happens to sessions when the agent cannot reach it. */
  consequence: string;
}

/** Where the service's traffic goes, as far as the route decides it; `ways` when there is one to judge hop by hop. */
interface Route {
  finding: Finding;
  ways?: Ways;
}

/** Every finding about the agent's way to one session service: the route, then each filter on it. */
export function sessionServiceReach(ctx: TargetContext, s: SessionService): Finding[] {
  const ssm = agentPath(ctx, 'ssm');
  const route = s.service === 's3' ? s3Route(ctx, s, ssm) : interfaceRoute(ctx, s, ssm);
  return [route.finding, ...(route.ways ? filterFindings(ctx, route.ways, s) : [])];
}

function sameWay(ssm: AgentPath, s: SessionService): Finding {
  return { status: 'pass', text: `The agent reaches Systems Manager ${describePath(ssm)}; ${s.what.split(' (')[0]} goes the same way (the network checks judge it).` };
}

const noWays = (): Ways => ({ paths: [], targets: [], publicServices: [], gateways: [] });

function interfaceTemplate(ctx: TargetContext, ssm: AgentPath): Pick<VpcEndpoint, 'subnetIds' | 'securityGroupIds'> {
  const t = ssm.kind === 'endpoint' ? ssm.endpoints[0] : undefined;
  const subnet = instanceOf(ctx).subnetId;
  return {
    subnetIds: t?.subnetIds.length ? t.subnetIds : subnet ? [subnet] : [],
    securityGroupIds: t?.securityGroupIds ?? [],
  };
}

/** kms / logs: an available interface endpoint with private DNS in the VPC, or the subnet's default route. */
function interfaceRoute(ctx: TargetContext, s: SessionService, ssm: AgentPath): Route {
  const { service, what } = s;
  const name = serviceName(ctx.region, service);
  const vpcId = vpcIdOf(ctx);
  const create = () => interfaceEndpointFix(ctx.region, vpcId, service, interfaceTemplate(ctx, ssm));
  const eps = agentEndpoints(ctx, service);
  const usable = eps.filter((e) => e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (usable.length > 0) {
    return {
      finding: { status: 'pass', text: `Interface endpoint ${usable[0]!.id} serves ${name}.` },
      ways: { ...noWays(), targets: usable.map((endpoint) => ({ service, endpoint })) },
    };
  }
  // Without interface endpoints for ssm, an endpoint that does not take the traffic leaves it on ssm's way.
  if (ssm.kind !== 'endpoint') return { finding: sameWay(ssm, s) };
  if (eps.length > 0) {
    const available = eps.filter((e) => e.state.toLowerCase() === 'available');
    if (available.length === 0) {
      return { finding: { status: 'fail', subject: vpcId, text: `Interface endpoint ${eps.map((e) => `${e.id} (${e.state})`).join(', ')} for ${name} is not available.`, fix: create() } };
    }
    const ep = available[0]!;
    return {
      finding: {
        status: 'fail',
        subject: vpcId,
        text: `Interface endpoint ${ep.id} for ${name} has private DNS disabled: the agent resolves the public ${service} name and does not use it.`,
        fix: privateDnsFix(ctx.region, [ep], service),
      },
    };
  }
  const route = defaultRoute(ctx, service);
  const reach = reachOf(route);
  const short = what.split(' (')[0];
  if (reach === 'public') {
    return {
      finding: { status: 'pass', text: `No ${name} endpoint, but ${short} is reachable ${describePath(route)}.` },
      ways: { ...noWays(), paths: [{ service, path: route }], publicServices: [{ service, path: route }] },
    };
  }
  if (reach === 'unproven') {
    return {
      finding: {
        status: 'warn',
        text: `The agent uses interface endpoints, there is no ${name} endpoint for ${what}, and the subnet's default route goes ${describePath(route)}, which cannot be proven to reach it.`,
        fix: create(),
      },
    };
  }
  return {
    finding: {
      status: 'fail',
      subject: vpcId,
      text: `The agent uses interface endpoints but the VPC has no ${name} endpoint for ${what}, and the subnet has no other way out: ${noWayOut(route)}.`,
      fix: create(),
    },
  };
}

/** Why a default route is no way out, as a clause: "rtb-0a has no default route 0.0.0.0/0", "its default route goes to …". */
function noWayOut(route: AgentPath): string {
  return route.kind === 'none' ? `${route.routeTableId} has no default route 0.0.0.0/0` : `its default route goes ${describePath(route)}`;
}

/** The S3 gateway endpoint on the instance's route table (available), with its prefix list when it was read. */
export function s3GatewayOf(ctx: TargetContext): GatewayTarget | undefined {
  const name = serviceName(ctx.region, 's3');
  const vpcId = vpcIdOf(ctx);
  const table = instanceRouteTable(ctx);
  const endpoint = endpointsOf(ctx).find(
    (e) => e.serviceName === name && e.vpcId === vpcId && e.type.toLowerCase() === 'gateway' && e.routeTableIds.includes(table.id) && e.state.toLowerCase() === 'available',
  );
  if (!endpoint) return undefined;
  // The list: the destination of the route the endpoint added to the table, else the one named for S3.
  const routed = table.routes.find((r) => r.target.id === endpoint.id && r.destinationPrefixListId)?.destinationPrefixListId;
  const lists = Object.entries(ctx.facts.prefixLists);
  const found = lists.find(([id, f]) => id === routed && f?.ok) ?? lists.find(([, f]) => f?.ok && f.value.name === name);
  const pl = found?.[1];
  return { service: 's3', endpoint, routeTableId: table.id, ...(pl?.ok ? { prefixList: { id: found![0], cidrs: pl.value.cidrs } } : {}) };
}

/**
 * S3: a gateway endpoint on the instance's route table, an interface endpoint with private DNS, or the default route.
 * `ssm` undefined: S3 for its own sake (a download), never left to the network checks as "ssm's way".
 */
function s3Route(ctx: TargetContext, s: SessionService, ssm: AgentPath | undefined): Route {
  const name = serviceName(ctx.region, 's3');
  const vpcId = vpcIdOf(ctx);
  const table = instanceRouteTable(ctx);
  const gateway = s3GatewayOf(ctx);
  if (gateway) {
    return { finding: { status: 'pass', text: `S3 gateway endpoint ${gateway.endpoint.id} is on route table ${table.id}.` }, ways: { ...noWays(), gateways: [gateway] } };
  }
  const s3Eps = endpointsOf(ctx).filter((e) => e.serviceName === name && e.vpcId === vpcId);
  const iface = s3Eps.filter((e) => e.type.toLowerCase() === 'interface' && e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (iface.length) {
    return {
      finding: { status: 'pass', text: `S3 interface endpoint ${iface[0]!.id} (private DNS) serves ${name}.` },
      ways: { ...noWays(), targets: iface.map((endpoint) => ({ service: 's3', endpoint })) },
    };
  }
  if (ssm && ssm.kind !== 'endpoint') return { finding: sameWay(ssm, s) };
  const route = defaultRoute(ctx, 's3');
  const uses = ssm ? 'The agent uses interface endpoints, there is' : 'There is';
  const usesBut = ssm ? 'The agent uses interface endpoints but the VPC has' : 'The VPC has';
  const purpose = s.what.replace(/^S3 \((.*)\)$/, '$1');
  const reach = reachOf(route);
  if (reach === 'public') {
    return {
      finding: { status: 'pass', text: `No S3 endpoint, but S3 is reachable ${describePath(route)}.` },
      ways: { ...noWays(), paths: [{ service: 's3', path: route }], publicServices: [{ service: 's3', path: route }] },
    };
  }
  const gw = s3Eps.find((e) => e.type.toLowerCase() === 'gateway');
  if (gw) {
    return {
      finding: {
        status: 'fail',
        subject: vpcId,
        text: `S3 gateway endpoint ${gw.id} exists but is not associated with route table ${table.id} of the instance's subnet (or not available: ${gw.state}).`,
        fix: associateGatewayFix(ctx.region, gw.id, table.id),
      },
    };
  }
  const fix = s3GatewayFix(ctx.region, vpcId, table.id);
  if (reach === 'unproven') {
    return {
      finding: {
        status: 'warn',
        text: `${uses} no S3 endpoint for ${purpose}, and the default route goes ${describePath(route)}, which cannot be proven to reach S3.`,
        fix,
      },
    };
  }
  return {
    finding: {
      status: 'fail',
      subject: vpcId,
      text: `${usesBut} no S3 endpoint for ${purpose}, and the subnet has no other way out: ${noWayOut(route)}.`,
      fix,
    },
  };
}

/** How the instance's subnet reaches S3 in its region, for a download from it (the SSM Agent's package). */
export interface S3Way {
  /** `reachable`: a way whose every filter lets HTTPS through; `blocked`: certainly none; `unknown`: it depends. */
  status: 'reachable' | 'blocked' | 'unknown';
  /** Why, in sentences. */
  text: string;
  /** What gives the subnet its way: the free S3 gateway endpoint and the rules that let HTTPS to it through. */
  fix?: Fix;
}

/**
 * The whole way from the instance's subnet to S3 (`https://s3.<region>.amazonaws.com`), judged as session.logging
 * judges it. When there is no way at all, the fix creates the S3 gateway endpoint on the subnet's route table and
 * adds the security-group and network ACL rules a gateway endpoint's addresses need (judged as if it existed).
 */
export function s3Way(ctx: TargetContext, purpose: string): S3Way {
  const s: SessionService = { service: 's3', what: `S3 (${purpose})`, consequence: '' };
  const route = s3Route(ctx, s, undefined);
  const findings = [route.finding, ...(route.ways ? filterFindings(ctx, route.ways, s) : [])];
  const bad = findings.filter((f) => f.status !== 'pass');
  const fixes = bad.flatMap((f) => (f.fix ? [f.fix] : []));
  if (route.finding.status === 'fail' && !route.ways) {
    // No way out at all: the gateway endpoint to create, and the filters judged as if it were there.
    const table = instanceRouteTable(ctx);
    const planned: GatewayTarget = { service: 's3', routeTableId: table.id, endpoint: { ...PLANNED_GATEWAY, vpcId: vpcIdOf(ctx), routeTableIds: [table.id] } };
    const after = filterFindings(ctx, { ...noWays(), gateways: [planned] }, s).filter((f) => f.status !== 'pass');
    fixes.push(...after.flatMap((f) => (f.fix ? [f.fix] : [])));
    bad.push(...after);
  }
  const status = bad.some((f) => f.status === 'fail') ? 'blocked' : bad.length ? 'unknown' : 'reachable';
  const fix = mergeFixes(fixes, uniqueInOrder(fixes.map((f) => f.summary)).join(' '));
  return { status, text: (bad.length ? bad : findings).map((f) => f.text).join(' '), ...(status !== 'reachable' && fix ? { fix } : {}) };
}

/** The S3 gateway endpoint a fix creates, for judging the filters on its way before it exists. */
const PLANNED_GATEWAY: VpcEndpoint = {
  id: 'to create',
  vpcId: '',
  serviceName: '',
  type: 'Gateway',
  state: 'available',
  privateDnsEnabled: false,
  subnetIds: [],
  securityGroupIds: [],
  networkInterfaceIds: [],
  routeTableIds: [],
};

/**
 * The filters on a way, each as the network checks judge it: the instance's security groups (primary interface
 * first), the endpoints' security groups, the network ACLs. IPv6-only instances are not judged (the network checks
 * say why).
 */
export function filterFindings(ctx: TargetContext, ways: Ways, s: Pick<SessionService, 'what' | 'consequence'>): Finding[] {
  const inst = instanceOf(ctx);
  if (isIpv6Only(inst)) return [];
  const vpcId = vpcIdOf(ctx);
  const primary = primarySource(inst);
  const label = `HTTPS to ${s.what.split(' (')[0]}`;
  const out: Finding[] = [];
  const add = (judge: () => Verdict) => {
    const f = asFinding(label, s.consequence, judge);
    if (f) out.push(f);
  };
  add(() =>
    reconsiderOtherEnis(inst, primary, judgeInstanceEgress(ctx, vpcId, ways, primary.groupIds), () => judgeInstanceEgress(ctx, vpcId, ways, instanceGroupIds(inst)), 'otherInterfaceAllows'),
  );
  if (ways.targets.length) {
    add(() =>
      reconsiderOtherEnis(inst, primary, judgeEndpointIngress(ctx, inst, vpcId, ways.targets, primary), () => judgeEndpointIngress(ctx, inst, vpcId, ways.targets, allSources(inst)), 'otherInterfaceAdmits'),
    );
  }
  const ip = instancePrimaryIp(inst);
  if (ip && inst.subnetId) add(() => judgeNetworkAcls(ctx, inst, vpcId, ip, ways));
  return out;
}

/** A verdict of a shared judgement as one finding of a session check; undefined when it does not apply (skip). */
function asFinding(label: string, consequence: string, judge: () => Verdict): Finding | undefined {
  let v: Verdict;
  try {
    v = judge();
  } catch (e) {
    if (e instanceof SkipCheck) return undefined;
    throw e;
  }
  if (v.status === 'pass' || v.status === 'skip') return { status: 'pass', text: `${label}: ${v.detail}` };
  return {
    status: v.status,
    text: `${label}: ${v.detail}`,
    ...(v.status === 'fail' && consequence ? { note: consequence } : {}),
    ...(v.fix ? { fix: v.fix } : {}),
    ...(v.subject ? { subject: v.subject } : {}),
  };
}
