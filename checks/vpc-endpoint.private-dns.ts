// Guards: the agent's interface endpoints have private DNS enabled and the VPC has enableDnsSupport and enableDnsHostnames (private DNS needs both), so ssm.<region>.amazonaws.com resolves to the endpoints.
import { need, skip, type Check, type Verdict } from '../src/check/kit.js';
import type { VpcEndpoint } from '../src/facts/facts.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';
import { agentEndpoints, describePath, reachOf, tryDefaultRoute } from '../src/eval/path.js';
import { AGENT_SERVICES } from '../src/facts/requirements.js';
import { vpcDnsCommands } from '../src/fix/endpoints.js';
import { tfChange } from '../src/fix/terraform.js';

/** Endpoints in these states no longer serve anything; their DNS setting does not matter. */
const GONE = new Set(['deleted', 'deleting', 'failed', 'rejected', 'expired']);

export const vpcEndpointPrivateDns: Check = {
  meta: {
    id: 'vpc-endpoint.private-dns',
    explains: ['network.route', 'agent.ping', 'session.connection'],
    fixes: '`aws ec2 modify-vpc-endpoint --private-dns-enabled`, `aws ec2 modify-vpc-attribute` for DNS support/hostnames',
    title: 'Private DNS for the SSM endpoints',
    group: 'network',
    description:
      'The agent calls the public names (ssm.<region>.amazonaws.com...). They resolve to the interface endpoints only when ' +
      'the endpoint has private DNS enabled and the VPC has both enableDnsSupport and enableDnsHostnames.',
  },
  run(ctx): Verdict {
    instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    const eps: { service: string; ep: VpcEndpoint }[] = AGENT_SERVICES.flatMap((service) =>
      agentEndpoints(ctx, service)
        .filter((ep) => !GONE.has(ep.state.toLowerCase()))
        .map((ep) => ({ service, ep })),
    );
    if (eps.length === 0) {
      skip(`No ssm/ssmmessages/ec2messages interface endpoints in ${vpcId}: the agent resolves the public endpoint names (see network.route).`);
    }
    const dns = need(ctx.facts.vpcDnsAttributes[vpcId], `the DNS attributes of ${vpcId}`);
    const r = ctx.region;
    const noPrivateDns = eps.filter((x) => !x.ep.privateDnsEnabled);
    const list = eps.map((x) => `${x.ep.id} (${x.service})`).join(', ');
    const data = {
      enableDnsSupport: dns.enableDnsSupport,
      enableDnsHostnames: dns.enableDnsHostnames,
      endpoints: eps.map((x) => ({ id: x.ep.id, service: x.service, privateDnsEnabled: x.ep.privateDnsEnabled })),
    };
    if (dns.enableDnsSupport && dns.enableDnsHostnames && noPrivateDns.length === 0) {
      return {
        status: 'pass',
        detail: `${eps.length === 1 ? list : `The ${eps.length} endpoints (${eps.map((x) => x.service).join(', ')})`} ${eps.length === 1 ? 'has' : 'have'} private DNS on; ${vpcId} has DNS support and hostnames on.`,
        data,
      };
    }

    const problems: string[] = [];
    const cli = vpcDnsCommands(vpcId, dns, r);
    if (!dns.enableDnsSupport) problems.push(`${vpcId} has enableDnsSupport off (the Amazon DNS server does not answer at all)`);
    if (!dns.enableDnsHostnames) problems.push(`${vpcId} has enableDnsHostnames off (private DNS names of endpoints are not served)`);
    if (noPrivateDns.length > 0) {
      problems.push(
        `private DNS is off on ${noPrivateDns.map((x) => `${x.ep.id} (${x.service})`).join(', ')}, so the agent resolves the public IPs and does not use ${noPrivateDns.length > 1 ? 'them' : 'it'}`,
      );
      for (const x of noPrivateDns) cli.push(`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${x.ep.id} --private-dns-enabled --region ${r}`);
    }

    const tf: string[] = [];
    if (!dns.enableDnsSupport || !dns.enableDnsHostnames) {
      tf.push(tfChange(`${vpcId} (aws_vpc)`, ['enable_dns_support   = true', 'enable_dns_hostnames = true']));
    }
    for (const x of noPrivateDns) tf.push(tfChange(`${x.ep.id} (aws_vpc_endpoint for ${x.service})`, ['private_dns_enabled = true']));
    const attrs = [...(!dns.enableDnsSupport ? ['enableDnsSupport'] : []), ...(!dns.enableDnsHostnames ? ['enableDnsHostnames'] : [])];
    const steps = [
      ...(attrs.length > 0 ? [`${attrs.join(' and ')} on ${vpcId}`] : []),
      ...(noPrivateDns.length > 0 ? [`private DNS on ${noPrivateDns.map((x) => x.ep.id).join(', ')}`] : []),
    ];
    const fix = {
      summary: `Turn on ${steps.join(', then ')}.`,
      cli,
      terraform: tf.join('\n'),
    };

    // With DNS support on, the agent still works when the subnet also reaches the public endpoints: the
    // endpoints are just unused (and paid for).
    const fallback = dns.enableDnsSupport ? tryDefaultRoute(ctx) : undefined;
    if (fallback && reachOf(fallback) === 'public') {
      return {
        status: 'warn',
        subject: vpcId,
        detail:
          `Private DNS does not work: ${problems.join('; ')}. The agent still reaches the public endpoints ${describePath(fallback)}, ` +
          'so it works, but the endpoints are not used (and are billed).',
        fix,
        data,
      };
    }
    return {
      status: 'fail',
      subject: vpcId,
      summary: `Private DNS does not work in ${vpcId}: ${problems.join('; ')}.`,
      detail: `Private DNS does not work: ${problems.join('; ')}. Without it the agent's calls to *.${r}.amazonaws.com do not go to the endpoints.`,
      fix,
      data,
    };
  },
};
