// Guards: the instance exists in the region asked and is `running` (SSM only sees running instances).
import { need, type Check } from '../src/check/kit.js';
import { skipIfManagedNode } from '../src/facts/lookup.js';
import { tfName } from '../src/fix/endpoints.js';

export const instanceState: Check = {
  meta: {
    id: 'instance.state',
    fixRestartsAgent: true,
    explains: ['*'],
    fixes: 'Start the instance (`aws ec2 start-instances`), or look in the right region/account',
    title: 'Instance exists and is running',
    group: 'instance',
    description: 'Session Manager can only reach a running instance in the region and account you ask.',
  },
  run(ctx) {
    skipIfManagedNode(ctx);
    const inst = need(ctx.facts.instances[ctx.id], `instance ${ctx.id}`);
    if (inst === null) {
      const caller = ctx.facts.caller.ok ? ` of account ${ctx.facts.caller.value.account}` : '';
      return {
        status: 'fail',
        subject: 'not-found',
        summary: `Not found in ${ctx.region}${caller}: the instance is in another region or account, or was deleted.`,
        detail:
          `Instance ${ctx.id} was not found in region ${ctx.region}${caller}. ` +
          'If it lives elsewhere, pass --region (or AWS_REGION) and --profile (or AWS_PROFILE) for the right account.',
        fix: {
          summary: `Look for ${ctx.id} in the region and account it was launched in.`,
          // Every region this account can see; an id unknown in a region is an error there (silenced).
          cli: [
            `for r in $(aws ec2 describe-regions --query 'Regions[].RegionName' --output text); do aws ec2 describe-instances --instance-ids ${ctx.id} --region "$r" --query 'Reservations[].Instances[].[InstanceId,State.Name,Placement.AvailabilityZone]' --output text 2>/dev/null; done`,
          ],
        },
      };
    }
    const where = `${inst.id}${inst.name ? ` (${inst.name})` : ''}`;
    switch (inst.state) {
      case 'running':
        return { status: 'pass', detail: `Running in ${inst.availabilityZone ?? ctx.region}.` };
      case 'pending':
        // Not reachable yet, so not ok (a gate right after launch must not pass it; --wait waits for it). It
        // explains only what its boot will change, never a configuration finding.
        return {
          status: 'fail',
          subject: 'pending',
          summary: 'The instance is still pending: Session Manager needs it running, with its agent registered.',
          detail: `${where} is still pending; the SSM Agent registers a minute or two after it starts running.`,
          explains: ['agent.ping', 'agent.version', 'agent.installed', 'agent.console', 'agent.late-fix', 'instance.health', 'session.connection'],
          fix: {
            summary: 'Wait until it runs and its agent registers (ssm-doctor --wait does both), then run ssm-doctor again.',
            cli: [`aws ec2 wait instance-running --instance-ids ${inst.id} --region ${ctx.region}`],
          },
        };
      case 'stopped':
      case 'stopping':
        return {
          status: 'fail',
          subject: 'stopped',
          summary: `The instance is ${inst.state}: Session Manager needs a running instance.`,
          detail: `${where} is ${inst.state}. Session Manager needs a running instance.`,
          fix: {
            // A stopping instance cannot be started yet (IncorrectInstanceState): wait until it has stopped.
            summary: `Start the instance${inst.state === 'stopping' ? ' once it has stopped' : ''}.`,
            cli: [
              ...(inst.state === 'stopping' ? [`aws ec2 wait instance-stopped --instance-ids ${inst.id} --region ${ctx.region}`] : []),
              `aws ec2 start-instances --instance-ids ${inst.id} --region ${ctx.region}`,
            ],
            terraform: `resource "aws_ec2_instance_state" "${tfName(safeName(inst.name), inst.id)}" {\n  instance_id = "${inst.id}"\n  state       = "running"\n}\n`,
          },
        };
      case 'shutting-down':
      case 'terminated':
        return {
          status: 'fail',
          subject: 'terminated',
          summary: `The instance is ${inst.state}: it cannot be reached any more.`,
          detail: `${where} is ${inst.state}; it cannot be reached any more. Launch a replacement.`,
          fix: { summary: `Launch a new instance; ${inst.id} is ${inst.state}.`, cli: [] },
        };
      default:
        // Not an EC2 state ssm-doctor knows: say so rather than guess that the instance is gone.
        return {
          status: 'warn',
          detail:
            `${where} is in state "${inst.state || '(empty)'}", which ssm-doctor does not know (EC2 states: pending, running, ` +
            'stopping, stopped, shutting-down, terminated). Session Manager can only reach a running instance.',
          data: { state: inst.state },
        };
    }
  },
};

function safeName(name: string | undefined): string {
  const s = (name ?? 'this').replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}
