// Guards: the SSM Agent on the instance is registered with Systems Manager and Online (it heartbeats every ~5 minutes).
import { need, skip, type Check, type Fix } from '../src/check/kit.js';
import { agentTargetOf, type AgentTarget } from '../src/facts/lookup.js';
import { agentRestartCommands, minutesBetween } from '../src/fix/reboot.js';
import { installOnInstance, userDataTerraform } from '../src/fix/install-agent.js';
import { registerOnNode } from '../src/fix/register.js';

export const agentPing: Check = {
  meta: {
    id: 'agent.ping',
    explains: ['session.connection'],
    title: 'SSM Agent is registered and online',
    group: 'agent',
    description:
      'Session Manager opens sessions through the SSM Agent: it must be running on the instance, registered with ' +
      'Systems Manager (ssm:DescribeInstanceInformation) and Online.',
    fixes: 'restart the agent or reboot; install and enable it at boot (user_data)',
  },
  run(ctx) {
    const inst = agentTargetOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const agent = need(ctx.facts.agents[ctx.id], `the SSM registration of ${ctx.id}`);
    const now = ctx.facts.collectedAt;

    if (agent === null && inst.managedNode) {
      return {
        status: 'fail',
        detail:
          `Managed node ${inst.id} is not registered with Systems Manager in ${ctx.region} (ssm:DescribeInstanceInformation does not list it): ` +
          'it was deregistered, or it lives in another region or account (pass --region / --profile).',
        fix: {
          summary:
            `Look for ${inst.id} in the region and account it was activated in; if it was deregistered, register the node again with ` +
            'a new hybrid activation (the id and code create-activation prints, as ACTIVATION_ID and ACTIVATION_CODE on the node), the ' +
            'agent stopped while it registers. The commands are for Linux; on Windows, in PowerShell as Administrator: ' +
            `${registerOnNode('windows', ctx.region).join('; ')}.`,
          cli: [
            `aws ssm describe-instance-information --filters Key=InstanceIds,Values=${inst.id} --region ${ctx.region}`,
            `aws ssm create-activation --iam-role SSMServiceRole --registration-limit 1 --region ${ctx.region} --query '[ActivationId,ActivationCode]' --output text`,
          ],
          onInstance: registerOnNode('linux', ctx.region),
        },
        data: { registered: false },
      };
    }
    if (agent === null) {
      return {
        status: 'fail',
        detail:
          `${inst.id} has never registered with Systems Manager in ${ctx.region} (ssm:DescribeInstanceInformation does not list it). ` +
          'Likely causes: the SSM Agent is not installed or not running, it has no credentials (no instance profile role ' +
          'and no Default Host Management Configuration), or it has no network path to the ssm endpoint. ' +
          'The iam.* and network checks in this report say which.',
        fix: neverRegisteredFix(inst, ctx.region),
        data: { registered: false },
      };
    }

    const version = agent.agentVersion ? `agent ${agent.agentVersion}` : 'agent version unknown';
    const lastPing = agent.lastPingDateTime ? `last ping ${agent.lastPingDateTime} (${ago(agent.lastPingDateTime, now)})` : 'no last ping recorded';
    const data = { pingStatus: agent.pingStatus, agentVersion: agent.agentVersion, lastPingDateTime: agent.lastPingDateTime };

    if (agent.pingStatus === 'Online') {
      return { status: 'pass', detail: `Online: ${version}, ${lastPing}.`, data };
    }
    const since = agent.lastPingDateTime ? `since ${agent.lastPingDateTime} (${ago(agent.lastPingDateTime, now)})` : 'since an unknown time';
    return {
      status: 'fail',
      // The summary says when in absolute time: a snapshot read days later must not say "2 minutes ago".
      summary: `The agent of ${inst.id} is ${agent.pingStatus}${agent.lastPingDateTime ? ` since ${agent.lastPingDateTime}` : ''}: it stopped heartbeating to Systems Manager.`,
      detail:
        `${inst.id} is registered with Systems Manager but its agent is ${agent.pingStatus} ${since} (${version}). ` +
        'The agent stopped heartbeating: it is stopped or hung, lost its credentials, or lost its network path to the ssm endpoint. ' +
        (inst.managedNode
          ? 'On a hybrid node, check on the node itself: the agent service, its outbound HTTPS to the ssm endpoints, and the activation\'s service role.'
          : 'The iam.* and network checks in this report say which; once they pass, restart the agent or reboot.'),
      fix: { summary: `Restart the SSM Agent on ${inst.id}, or reboot it.`, ...restartCommands(inst, ctx.region) },
      data,
    };
  },
};

/** Restart commands; a hybrid managed node has no EC2 reboot, only the command to run on the node. */
function restartCommands(inst: AgentTarget, region: string): Pick<Fix, 'cli' | 'onInstance'> {
  return agentRestartCommands(inst.platform, inst.id, region, inst.managedNode);
}

/** Boot-time script that installs (when missing) and starts the agent; for user data of the next launch. */
export function agentUserData(platform: 'windows' | 'linux', region: string): string {
  return platform === 'windows'
    ? ['<powershell>', 'Set-Service -Name AmazonSSMAgent -StartupType Automatic', 'Start-Service -Name AmazonSSMAgent', '</powershell>'].join('\n')
    : [
        '#!/bin/bash',
        'if ! systemctl list-unit-files | grep -q amazon-ssm-agent; then',
        '  if command -v snap >/dev/null; then snap install amazon-ssm-agent --classic',
        '  else arch=$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)',
        `    dnf install -y https://s3.${region}.amazonaws.com/amazon-ssm-${region}/latest/linux_$arch/amazon-ssm-agent.rpm; fi`,
        'fi',
        'systemctl enable --now amazon-ssm-agent || systemctl enable --now snap.amazon-ssm-agent.amazon-ssm-agent.service',
      ].join('\n');
}

function neverRegisteredFix(inst: AgentTarget, region: string): Fix {
  const restart = restartCommands(inst, region);
  return {
    summary:
      `Fix what the other failing checks report (credentials, network path), then restart the SSM Agent on ${inst.id} or reboot it; ` +
      'install the agent if the AMI does not include it.',
    cli: restart.cli,
    onInstance: [
      ...(restart.onInstance ?? []),
      ...installOnInstance(inst.platform === 'windows' ? 'windows' : 'generic', region),
    ],
    terraform: userDataTerraform('ssm_agent_user_data', agentUserData(inst.platform, region)),
  };
}

/** "12 minutes ago", "3 hours ago", "2 days ago" relative to `now` (both ISO); "at an unknown time" when unparsable. */
export function ago(iso: string, now: string): string {
  const m = minutesBetween(iso, now);
  if (m === undefined) return 'at an unknown time';
  if (m < 0) return 'in the future relative to this run';
  if (m < 1) return 'less than a minute ago';
  if (m < 120) return plural(Math.floor(m), 'minute');
  const h = m / 60;
  if (h < 48) return plural(Math.floor(h), 'hour');
  return plural(Math.floor(h / 24), 'day');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}
