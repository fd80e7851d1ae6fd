// Guards: the instance resolves the endpoints' private DNS names, i.e. its DHCP options use the VPC resolver (AmazonProvidedDNS, VPC CIDR base + 2), or custom DNS servers forward amazonaws.com to it.
import { need, skip, type Check, type Verdict } from '../src/check/kit.js';
import { agentEndpointsOfVpc, shellVar, tfName } from '../src/fix/endpoints.js';
import { instanceOf, vpcOf } from '../src/facts/lookup.js';

/** Addresses that are the Amazon-provided resolver, besides the VPC's base + 2. */
const AMAZON_DNS = ['amazonprovideddns', '169.254.169.253', 'fd00:ec2::253'];

export const vpcDns: Check = {
  meta: {
    id: 'vpc.dns',
    explains: ['vpc-endpoint.private-dns', 'network.route', 'agent.ping', 'session.connection'],
    fixes: 'Conditional forwarder for `amazonaws.com` to the VPC resolver, or AmazonProvidedDNS',
    title: 'DNS servers resolve the endpoints\' private names',
    group: 'network',
    description:
      'The private DNS names of interface endpoints are only answered by the VPC resolver (AmazonProvidedDNS). ' +
      'With custom DNS servers in the DHCP options, they must forward amazonaws.com to it, or the agent resolves the public IPs.',
  },
  run(ctx): Verdict {
    instanceOf(ctx);
    const vpc = vpcOf(ctx);
    const r = ctx.region;
    const resolver = vpc.cidrs[0] ? basePlusTwo(vpc.cidrs[0]) : undefined;
    const resolverText = resolver ?? 'the VPC CIDR base + 2';
    if (!vpc.dhcpOptionsId || vpc.dhcpOptionsId === 'default') {
      return { status: 'pass', detail: `${vpc.id} uses the default DHCP options: AmazonProvidedDNS (${resolverText}).` };
    }
    const opts = need(ctx.facts.dhcpOptions[vpc.dhcpOptionsId], `DHCP options ${vpc.dhcpOptionsId}`);
    const servers = opts.domainNameServers;
    const isAmazon = (s: string) => AMAZON_DNS.includes(s.toLowerCase()) || s === resolver;
    const data = { dhcpOptionsId: opts.id, domainNameServers: servers, vpcResolver: resolver ?? null };

    if (servers.length > 0 && isAmazon(servers[0]!)) {
      const others = servers.filter((s) => !isAmazon(s));
      return {
        status: 'pass',
        detail:
          `DHCP options ${opts.id} of ${vpc.id} give the instance ${servers[0]} first` +
          `${others.length ? ` (then ${others.join(', ')}, only asked when it does not answer)` : ''}.`,
        data,
      };
    }

    // Whether custom DNS matters depends on the endpoints: unreadable is an error, not "no endpoints".
    need(ctx.facts.endpoints[vpc.id], `the VPC endpoints of ${vpc.id}`);
    const endpoints = agentEndpointsOfVpc(ctx, vpc.id);
    const custom = servers.filter((s) => !isAmazon(s));
    if (endpoints.length === 0) {
      skip(
        `No ssm/ssmmessages/ec2messages interface endpoints in ${vpc.id}, so no private DNS names need resolving` +
          (servers.length ? ` (the instance uses ${servers.join(', ')} from ${opts.id}; they must resolve *.${r}.amazonaws.com publicly).` : '.'),
      );
    }

    const ips = endpointIps(ctx, vpc.id, endpoints.filter((e) => e.serviceName.endsWith('.ssm')).map((e) => e.id));
    const verify =
      `On the instance, \`dig +short ssm.${r}.amazonaws.com\` (or \`Resolve-DnsName\` on Windows) must return the endpoint's private IPs` +
      `${ips.length ? ` (${ips.join(', ')})` : ` in ${vpc.cidrs.join(', ')}`}.`;
    const dopt = shellVar('DOPT', vpc.id);
    const fix = {
      summary: `Forward amazonaws.com from ${custom.join(', ') || 'the DNS servers'} to the VPC resolver ${resolverText}, or switch ${vpc.id} to AmazonProvidedDNS.`,
      cli: [
        `${dopt}=$(aws ec2 create-dhcp-options --dhcp-configurations "Key=domain-name-servers,Values=AmazonProvidedDNS" --region ${r} --query DhcpOptions.DhcpOptionsId --output text)`,
        `aws ec2 associate-dhcp-options --dhcp-options-id "$${dopt}" --vpc-id ${vpc.id} --region ${r}`,
      ],
      terraform:
        `resource "aws_vpc_dhcp_options" "${tfName('amazon_dns', vpc.id)}" {\n  domain_name_servers = ["AmazonProvidedDNS"]\n}\n\n` +
        `resource "aws_vpc_dhcp_options_association" "${tfName('amazon_dns', vpc.id)}" {\n  vpc_id          = "${vpc.id}"\n  dhcp_options_id = aws_vpc_dhcp_options.${tfName('amazon_dns', vpc.id)}.id\n}\n`,
    };
    if (servers.length === 0) {
      return {
        status: 'warn',
        subject: vpc.id,
        detail: `DHCP options ${opts.id} of ${vpc.id} hand out no DNS servers, so the instance may resolve nothing unless its OS is configured otherwise. ${verify}`,
        fix,
        data,
      };
    }
    const amazonLater = servers.some(isAmazon);
    return {
      status: 'warn',
      subject: vpc.id,
      detail:
        `DHCP options ${opts.id} of ${vpc.id} give the instance ${amazonLater ? 'custom DNS servers first' : 'only custom DNS servers'}: ${servers.join(', ')}. ` +
        `The private DNS names of ${endpoints.map((e) => e.id).join(', ')} are answered only by the VPC resolver ${resolverText}: ` +
        `${custom.join(', ')} need a conditional forwarder for amazonaws.com (at least ${['ssm', 'ssmmessages', 'ec2messages'].map((s) => `${s}.${r}.amazonaws.com`).join(', ')}) ` +
        `to ${resolverText} (a Route 53 Resolver inbound endpoint when the servers are outside the VPC), or the agent resolves public IPs and bypasses the endpoints. ${verify}`,
      fix,
      data,
    };
  },
};

/** `10.0.0.0/16` -> `10.0.0.2` (the VPC resolver lives at the primary CIDR's base + 2). */
export function basePlusTwo(cidr: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = ((ip & mask) >>> 0) + 2;
  return [base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.');
}

function endpointIps(ctx: Parameters<Check['run']>[0], vpcId: string, endpointIds: string[]): string[] {
  const enis = ctx.facts.endpointInterfaces[vpcId];
  if (!enis?.ok) return [];
  return enis.value.filter((n) => n.vpcEndpointId && endpointIds.includes(n.vpcEndpointId) && n.privateIp).map((n) => n.privateIp!);
}
