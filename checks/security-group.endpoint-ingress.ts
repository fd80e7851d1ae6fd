// Guards: the security groups of the ssm/ssmmessages/ec2messages interface endpoints admit inbound TCP 443 from the instance.
import { skip, type Check, type Verdict } from '../src/check/kit.js';
import { agentPaths, allSources, describePaths, endpointTargets, primarySource, reconsiderOtherEnis } from '../src/eval/net-targets.js';
import { judgeEndpointIngress } from '../src/eval/sg-ingress.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';

export const securityGroupEndpointIngress: Check = {
  meta: {
    id: 'security-group.endpoint-ingress',
    explains: ['agent.ping', 'session.connection'],
    title: 'Endpoint security groups admit HTTPS from the instance',
    group: 'network',
    description:
      'The security groups of the ssm, ssmmessages and ec2messages interface endpoints must allow inbound TCP 443 from the instance ' +
      '(a CIDR containing its private IP, or one of its security groups as source). A rule without a source is no rule at all.',
    fixes: '`aws ec2 authorize-security-group-ingress` on the endpoint SG (TCP 443 from the instance SG or the VPC CIDR); `aws_security_group_rule`',
  },
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    const paths = agentPaths(ctx);
    const targets = endpointTargets(paths);
    if (targets.length === 0) {
      skip(`No agent service goes through an existing interface endpoint (${describePaths(paths)}); endpoint security groups do not apply.`);
    }
    // The agent connects from the primary interface; another one only counts when the OS routes through it.
    const primary = primarySource(inst);
    const verdict = judgeEndpointIngress(ctx, inst, vpcId, targets, primary);
    return reconsiderOtherEnis(inst, primary, verdict, () => judgeEndpointIngress(ctx, inst, vpcId, targets, allSources(inst)), 'otherInterfaceAdmits');
  },
};

