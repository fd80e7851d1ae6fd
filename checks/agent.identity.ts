// Guards: the agent on an EC2 instance registers as that instance (i-...), not as a hybrid node (mi-...): an agent that was once registered with an activation uses that identity first, and never shows up under the instance id.
import { need, skip, type Check } from '../src/check/kit.js';
import { offlineEvidence, onlyWhileOffline } from '../src/check/evidence-check.js';
import { twinMatch, type TwinMatch } from '../src/facts/evidence.js';
import { agentTargetOf, instanceOf } from '../src/facts/lookup.js';
import { registerOnNode } from '../src/fix/register.js';

const WHAT = 'the hybrid registrations (ssm:DescribeInstanceInformation, ResourceType=ManagedInstance)';

function describe(m: TwinMatch): string {
  const n = m.node;
  const same = [m.byIp ? `IP address ${n.ipAddress}` : '', m.byName ? `computer name ${n.computerName}` : ''].filter(Boolean).join(' and ');
  const ping = `${n.pingStatus}${n.lastPingDateTime ? `, last ping ${n.lastPingDateTime}` : ''}`;
  return `${n.instanceId} (same ${same}; ${ping})`;
}

export const agentIdentity: Check = {
  meta: {
    id: 'agent.identity',
    title: 'Agent registered as this instance',
    group: 'agent',
    description:
      'An SSM Agent that was registered with a hybrid activation keeps that identity (mi-...) even on EC2: the instance then ' +
      'never appears as i-... and sessions to its instance id fail. Read only when the agent is offline: hybrid registrations ' +
      'with the same IP address or computer name.',
    fixes: 'clear the hybrid registration on the instance (amazon-ssm-agent -register -clear) and deregister the mi- node',
    explains: ['agent.ping', 'session.connection', 'agent.version'],
  },
  run(ctx) {
    if (agentTargetOf(ctx).managedNode) skip(`${ctx.id} is itself a hybrid node`);
    const inst = instanceOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const reg = need(ctx.facts.agents[ctx.id], `the SSM registration of ${inst.id}`);
    if (reg?.pingStatus === 'Online') {
      return { status: 'pass', detail: `Online as ${inst.id}.`, data: { registeredAs: inst.id } };
    }
    const scan = offlineEvidence(ctx, ctx.facts.managedNodeScan, WHAT);
    const matches = scan.matches.map((n) => twinMatch(inst, n)).filter((m): m is TwinMatch => !!m);
    const data = { matches: matches.map((m) => m.node.instanceId), scanned: scan.scanned, complete: scan.complete };
    const sure = matches.filter((m) => m.byName);
    const region = ctx.region;
    if (sure.length) {
      const twin = sure.find((m) => m.node.pingStatus === 'Online') ?? sure[0]!;
      const online = twin.node.pingStatus === 'Online';
      return {
        status: 'fail',
        summary: `The agent of ${inst.id} is registered as hybrid node ${twin.node.instanceId}, not as the EC2 instance.`,
        detail:
          `The agent of ${inst.id} is registered as hybrid node ${describe(twin)}: it was registered with an activation, and ` +
          `an agent uses that identity before its EC2 one, so it never registers as ${inst.id}.` +
          (online ? ` Session Manager reaches it now as ${twin.node.instanceId}.` : ''),
        fix: {
          summary:
            `Clear the hybrid registration on the instance and restart the agent so it registers as ${inst.id}, then deregister ` +
            `${twin.node.instanceId}.` +
            (online ? ` Until then, connect with --target ${twin.node.instanceId}.` : ''),
          cli: [
            ...(online ? [`aws ssm start-session --target ${twin.node.instanceId} --region ${region}`] : []),
            `aws ssm deregister-managed-instance --instance-id ${twin.node.instanceId} --region ${region}`,
          ],
          // As any registration change: the agent stopped while it runs.
          onInstance: registerOnNode(inst.platform, region, 'clear'),
        },
        data,
        subject: twin.node.instanceId,
      };
    }
    if (matches.length) {
      return onlyWhileOffline(ctx, WHAT, {
        status: 'warn',
        detail:
          `Hybrid node ${matches.map(describe).join(', ')} reported an IP address of ${inst.id}. If it is this instance, its agent ` +
          'registered with an activation and uses that identity instead of the EC2 one; it may also be an on-premises server that ' +
          'uses the same private address.',
        data,
      });
    }
    const scope = scan.complete ? `all ${scan.scanned}` : `the first ${scan.scanned}`;
    if (!scan.complete) {
      skip(`none of the first ${scan.scanned} hybrid registrations matches ${inst.id}; there are more, not read (bounded listing)`);
    }
    return onlyWhileOffline(ctx, WHAT, {
      status: 'pass',
      detail: `No hybrid registration has the IP address or computer name of ${inst.id} (${scope} read): the agent is not registered under another identity.`,
      data,
    });
  },
};
