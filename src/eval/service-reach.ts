// Can the agent reach kms, logs or s3, the services the session preferences add? Only asked when it reaches
// Systems Manager through interface endpoints (otherwise the other services go the same way as ssm, which the
// network checks judge): an available interface endpoint with private DNS, or for S3 a gateway endpoint on the
// subnet's route table, or another way out of the subnet.
import type { TargetContext } from '../check/kit.js';
import type { Finding } from '../check/findings.js';
import type { VpcEndpoint } from '../facts/facts.js';
import { endpointsOf, instanceOf, instanceRouteTable, interfaceEndpointsFor, serviceName, vpcIdOf } from '../facts/lookup.js';
import { privateDnsFix } from '../fix/route.js';
import { associateGatewayFix, interfaceEndpointFix, s3GatewayFix } from '../fix/service-endpoints.js';
import { agentPath, defaultRoute, describePath, reachOf, type AgentPath } from './path.js';

export type EndpointPath = AgentPath & { kind: 'endpoint' };

/**
 * The agent's path to ssm when it goes through interface endpoints; otherwise undefined, with the finding that
 * says the other services go the same way (pushed by the caller).
 */
export function viaEndpoints(ctx: TargetContext): { path?: EndpointPath; sameWay?: Finding } {
  const ssm = agentPath(ctx, 'ssm');
  if (ssm.kind === 'endpoint') return { path: ssm };
  return { sameWay: { status: 'pass', text: `The agent reaches Systems Manager ${describePath(ssm)}; the other services go the same way (network checks judge it).` } };
}

function interfaceTemplate(ctx: TargetContext, ssmPath: EndpointPath): Pick<VpcEndpoint, 'subnetIds' | 'securityGroupIds'> {
  const t = ssmPath.endpoints[0];
  const subnet = instanceOf(ctx).subnetId;
  return {
    subnetIds: t?.subnetIds.length ? t.subnetIds : subnet ? [subnet] : [],
    securityGroupIds: t?.securityGroupIds ?? [],
  };
}

/** kms / logs over interface endpoints: an available endpoint with private DNS in the VPC, or another way out of the subnet. */
export function interfaceServiceReach(ctx: TargetContext, service: string, what: string, ssmPath: EndpointPath): Finding {
  const name = serviceName(ctx.region, service);
  const vpcId = vpcIdOf(ctx);
  const create = () => interfaceEndpointFix(ctx.region, vpcId, service, interfaceTemplate(ctx, ssmPath));
  const eps = interfaceEndpointsFor(ctx, service);
  if (eps.length > 0) {
    const available = eps.filter((e) => e.state.toLowerCase() === 'available');
    if (available.length === 0) {
      return { status: 'fail', subject: vpcId, text: `Interface endpoint ${eps.map((e) => `${e.id} (${e.state})`).join(', ')} for ${name} is not available.`, fix: create() };
    }
    const withDns = available.find((e) => e.privateDnsEnabled);
    if (!withDns) {
      const ep = available[0]!;
      return {
        status: 'fail',
        subject: vpcId,
        text: `Interface endpoint ${ep.id} for ${name} has private DNS disabled: the agent resolves the public ${service} name and does not use it.`,
        fix: privateDnsFix(ctx.region, [ep], service),
      };
    }
    return { status: 'pass', text: `Interface endpoint ${withDns.id} serves ${name}.` };
  }
  const route = defaultRoute(ctx, service);
  const reach = reachOf(route);
  const short = what.split(' (')[0];
  if (reach === 'public') return { status: 'pass', text: `No ${name} endpoint, but ${short} is reachable ${describePath(route)}.` };
  if (reach === 'unproven') {
    return {
      status: 'warn',
      text: `The agent uses interface endpoints, there is no ${name} endpoint for ${what}, and the subnet's default route goes ${describePath(route)}, which cannot be proven to reach it.`,
      fix: create(),
    };
  }
  return {
    status: 'fail',
    subject: vpcId,
    text: `The agent uses interface endpoints but the VPC has no ${name} endpoint for ${what}, and the subnet has no other way out (${describePath(route)}).`,
    fix: create(),
  };
}

/** S3 over endpoints: a gateway endpoint on the instance's route table, an interface endpoint with private DNS, or a way out. */
export function s3Reach(ctx: TargetContext): Finding {
  const name = serviceName(ctx.region, 's3');
  const vpcId = vpcIdOf(ctx);
  const s3Eps = endpointsOf(ctx).filter((e) => e.serviceName === name && e.vpcId === vpcId);
  const table = instanceRouteTable(ctx);
  const gateways = s3Eps.filter((e) => e.type.toLowerCase() === 'gateway');
  const onTable = gateways.find((e) => e.routeTableIds.includes(table.id) && e.state.toLowerCase() === 'available');
  if (onTable) return { status: 'pass', text: `S3 gateway endpoint ${onTable.id} is on route table ${table.id}.` };
  const iface = s3Eps.find((e) => e.type.toLowerCase() === 'interface' && e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (iface) return { status: 'pass', text: `S3 interface endpoint ${iface.id} (private DNS) serves ${name}.` };
  const gw = gateways[0];
  if (gw) {
    return {
      status: 'fail',
      subject: vpcId,
      text: `S3 gateway endpoint ${gw.id} exists but is not associated with route table ${table.id} of the instance's subnet (or not available: ${gw.state}).`,
      fix: associateGatewayFix(ctx.region, gw.id, table.id),
    };
  }
  const route = defaultRoute(ctx, 's3');
  const reach = reachOf(route);
  if (reach === 'public') return { status: 'pass', text: `No S3 endpoint, but S3 is reachable ${describePath(route)}.` };
  const fix = s3GatewayFix(ctx.region, vpcId, table.id);
  if (reach === 'unproven') {
    return {
      status: 'warn',
      text: `The agent uses interface endpoints, there is no S3 endpoint for session logs, and the default route goes ${describePath(route)}, which cannot be proven to reach S3.`,
      fix,
    };
  }
  return {
    status: 'fail',
    subject: vpcId,
    text: `The agent uses interface endpoints but the VPC has no S3 endpoint for session logs, and the subnet has no other way out (${describePath(route)}).`,
    fix,
  };
}
