// Guards: the stateless network ACLs on the agent's path allow TCP 443 out and the ephemeral-port replies back (instance subnet, endpoint / NAT gateway subnets mirrored).
import { skip, type Check, type Verdict } from '../src/check/kit.js';
import { judgeNetworkAcls } from '../src/eval/acl-path.js';
import { agentWays, instancePrimaryIp, ipv6OnlyNote, isIpv6Only, skipWithoutJudgeablePath } from '../src/eval/net-targets.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';

export const networkAcl: Check = {
  meta: {
    id: 'network.acl',
    explains: ['agent.ping', 'session.connection'],
    title: 'Network ACLs allow HTTPS and its replies',
    group: 'network',
    description:
      "Network ACLs are stateless: the instance subnet's ACL must allow outbound TCP 443 to the endpoints and inbound " +
      "TCP 1024-65535 back from them; the endpoint (or NAT gateway) subnets' ACLs the mirror image. First matching rule wins.",
    fixes: '`aws ec2 create-network-acl-entry` with a free rule number before the blocking rule; `aws_network_acl_rule`',
  },
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    if (!inst.subnetId) skip(`instance ${inst.id} has no subnet`);
    const ip = instancePrimaryIp(inst);
    if (!ip) {
      if (!isIpv6Only(inst)) skip(`instance ${inst.id} has no private IPv4 address`);
      // Network ACLs filter IPv6 too, but the entries that matter depend on addresses ssm-doctor does not know.
      return { status: 'warn', detail: `${ipv6OnlyNote(inst)}, including the network ACL entries for IPv6 (ipv6-cidr-block) both ways.`, data: { ipv6Only: true } };
    }
    const ways = agentWays(ctx);
    skipWithoutJudgeablePath(ways);
    return judgeNetworkAcls(ctx, inst, vpcId, ip, ways);
  },
};

