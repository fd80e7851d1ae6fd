// Guards: the SSM Agent is new enough for Session Manager (>= 2.3.68.0), port forwarding (>= 2.3.672.0) and DHMC (>= 3.2.582.0).
import { NeedFact, need, skip, type Check, type Status } from '../src/check/kit.js';
import { agentTargetOf, credentialSource } from '../src/facts/lookup.js';
import { MIN_AGENT } from '../src/facts/requirements.js';
import { isAtLeast } from '../src/eval/version.js';

const RANK: Record<Status, number> = { pass: 0, skip: 0, warn: 1, error: 2, fail: 3 };

export const agentVersion: Check = {
  meta: {
    id: 'agent.version',
    explains: ['session.connection'],
    title: 'SSM Agent version is supported',
    group: 'agent',
    description:
      `Session Manager needs SSM Agent ${MIN_AGENT.sessionManager} or later, port forwarding and SSH ${MIN_AGENT.portForwarding}, ` +
      `Default Host Management Configuration ${MIN_AGENT.dhmc}; older agents also need ec2messages (before ${MIN_AGENT.ssmmessagesFirst}).`,
    fixes: 'AWS-UpdateSSMAgent via Run Command; aws_ssm_association to keep it updated',
  },
  run(ctx) {
    const inst = agentTargetOf(ctx);
    const agent = need(ctx.facts.agents[ctx.id], `the SSM registration of ${ctx.id}`);
    if (agent === null) skip(`${inst.id} is not registered with Systems Manager; agent.ping covers it`);
    const v = agent.agentVersion;
    if (!v) skip(`Systems Manager reports no agent version for ${inst.id}`);

    let status: Status = 'pass';
    const problems: string[] = [];
    const notes: string[] = [];
    const raise = (s: Status, msg: string) => {
      if (RANK[s] > RANK[status]) status = s;
      problems.push(msg);
    };

    if (!isAtLeast(v, MIN_AGENT.sessionManager)) {
      raise('fail', `SSM Agent ${v} is older than ${MIN_AGENT.sessionManager}, the minimum for Session Manager.`);
    } else {
      // Default Host Management Configuration only concerns EC2 instances, not hybrid managed nodes.
      if (!inst.managedNode) {
        try {
          const src = credentialSource(ctx);
          if (src.kind === 'dhmc' && !isAtLeast(v, MIN_AGENT.dhmc)) {
            raise(
              'fail',
              `The agent gets its credentials from Default Host Management Configuration (role ${src.roleName}), which needs SSM Agent ${MIN_AGENT.dhmc} or later; ${inst.id} runs ${v}.`,
            );
          }
        } catch (e) {
          if (!(e instanceof NeedFact)) throw e;
          if (!isAtLeast(v, MIN_AGENT.dhmc)) {
            raise('warn', `Could not tell whether the agent relies on Default Host Management Configuration (${e.message}); if it does, ${v} is below the required ${MIN_AGENT.dhmc}.`);
          }
        }
      }
      if (!isAtLeast(v, MIN_AGENT.portForwarding)) {
        raise('warn', `SSM Agent ${v} is older than ${MIN_AGENT.portForwarding}: port forwarding and SSH over Session Manager will not work (shell sessions do).`);
      } else if (!isAtLeast(v, MIN_AGENT.remotePortForwarding)) {
        notes.push(`port forwarding to a remote host needs ${MIN_AGENT.remotePortForwarding} or later`);
      }
    }
    if (!isAtLeast(v, MIN_AGENT.ssmmessagesFirst)) {
      notes.push(
        `agents before ${MIN_AGENT.ssmmessagesFirst} also use ec2messages: the role needs the ec2messages:* actions and, over VPC endpoints, an ec2messages endpoint`,
      );
    }
    if (agent.isLatestVersion === false) {
      raise('warn', `${v} is not the latest SSM Agent release.`);
    }

    const data = { agentVersion: v, isLatestVersion: agent.isLatestVersion, pingStatus: agent.pingStatus };
    const noteText = notes.length ? ` Note: ${notes.join('; ')}.` : '';
    if (status === 'pass') {
      const latest = agent.isLatestVersion === true ? ' (the latest release)' : '';
      return { status, detail: `SSM Agent ${v}${latest} supports Session Manager and port forwarding.${noteText}`, data };
    }

    const online = agent.pingStatus === 'Online';
    const updateCli = `aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${inst.id} --region ${ctx.region}`;
    const offlineHint = online
      ? ''
      : ` Run Command needs the agent Online (it is ${agent.pingStatus}); otherwise update it on the instance itself.`;
    return {
      status,
      detail: `${problems.join(' ')}${noteText}`,
      fix: {
        summary: `Update the SSM Agent on ${inst.id} with the AWS-UpdateSSMAgent document, and keep it updated with a State Manager association.${offlineHint}`,
        cli: [updateCli],
        // One association for every instance: a fleet's plan gathers their ids into its targets (src/fix/terraform.ts).
        terraform: [
          'resource "aws_ssm_association" "update_ssm_agent" {',
          '  name                = "AWS-UpdateSSMAgent"',
          '  schedule_expression = "rate(14 days)"',
          '',
          '  targets {',
          '    key    = "InstanceIds"',
          `    values = ["${inst.id}"]`,
          '  }',
          '}',
        ].join('\n'),
      },
      data,
    };
  },
};
