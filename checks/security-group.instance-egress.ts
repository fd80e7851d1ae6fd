// Guards: the instance's security groups allow outbound TCP 443 to the SSM endpoints (endpoint ENIs / endpoint SGs, or the internet on the NAT/IGW path).
import { type Check, type Verdict } from '../src/check/kit.js';
import { agentWays, instanceGroupIds, ipv6OnlyNote, isIpv6Only, primarySource, reconsiderOtherEnis, skipWithoutJudgeablePath } from '../src/eval/net-targets.js';
import { httpsEgress, judgeInstanceEgress } from '../src/eval/sg-egress.js';
import { instanceOf, securityGroup, vpcIdOf } from '../src/facts/lookup.js';

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
    const ways = agentWays(ctx);
    skipWithoutJudgeablePath(ways);
    // The agent's connections leave through the primary interface; another one only when the OS routes through it.
    const primary = primarySource(inst);
    const verdict = judgeInstanceEgress(ctx, vpcId, ways, primary.groupIds);
    const judgeAll = () => judgeInstanceEgress(ctx, vpcId, ways, instanceGroupIds(inst));
    return reconsiderOtherEnis(inst, primary, verdict, judgeAll, 'otherInterfaceAllows');
  },
};

