import { describe, expect, it } from 'vitest';
import { agentPing, ago } from '../../checks/agent.ping.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';
import { MI, hybridNode } from '../fixtures/evidence.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(agentPing, { facts, id: IID, region: facts.region });
};
const agent = (f: Facts) => val(f.agents[IID])!;

describe('agent.ping', () => {
  it('passes when Online, reporting the agent version and last ping relative to the run', () => {
    const r = run();
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('3.3.1142.0');
    expect(r.detail).toContain('2 minutes ago');
    expect(r.fix).toBeUndefined();
  });

  it('fails when never registered, naming likely causes, with restart/reboot and an install snippet', () => {
    const r = run((f) => (f.agents[IID] = ok(null)));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/never registered/);
    expect(r.detail).toMatch(/not installed or not running/);
    expect(r.detail).toMatch(/credentials/);
    expect(r.detail).toMatch(/network path/);
    expect(r.fix?.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(r.fix?.onInstance?.join('\n')).toContain('sudo systemctl restart amazon-ssm-agent');
    expect(r.fix?.cli.join('\n')).not.toMatch(/#/);
    // The boot script for the next launch, as a locals block (valid Terraform on its own).
    expect(r.fix?.terraform).toContain('snap install amazon-ssm-agent --classic');
    expect(r.fix?.terraform).toMatch(/^locals \{\n {2}ssm_agent_user_data = <<-EOT\n/m);
    expect(r.fix?.terraform).toContain('systemctl enable --now amazon-ssm-agent');
    expect(r.fix?.terraform).toMatch(/\n {2}EOT\n\}\n$/);
  });

  it.each([
    ['ConnectionLost', '2026-11-29T07:00:00.000Z', '3 hours ago'],
    ['ConnectionLost', '2026-11-26T10:00:00.000Z', '3 days ago'],
    ['Inactive', '2026-11-29T09:45:00.000Z', '15 minutes ago'],
  ])('fails when %s, saying since when (%s)', (status, lastPing, rel) => {
    const r = run((f) => Object.assign(agent(f), { pingStatus: status, lastPingDateTime: lastPing }));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(status);
    expect(r.detail).toContain(`since ${lastPing} (${rel})`);
    expect(r.fix?.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(r.fix?.terraform).toBeUndefined();
  });

  it('gives the Windows restart command on Windows instances', () => {
    const r = run((f) => {
      val(f.instances[IID])!.platform = 'windows';
      agent(f).pingStatus = 'ConnectionLost';
    });
    expect(r.fix?.onInstance).toEqual(['Restart-Service AmazonSSMAgent']);
    expect(r.fix?.cli.join('\n')).not.toContain('systemctl');
  });

  it('gives a Windows user_data snippet when a Windows instance never registered', () => {
    const r = run((f) => {
      val(f.instances[IID])!.platform = 'windows';
      f.agents[IID] = ok(null);
    });
    expect(r.fix?.terraform).toContain('<powershell>');
    expect(r.fix?.onInstance?.join('\n')).toContain('AmazonSSMAgentSetup.exe');
  });

  it.each(['stopped', 'pending', 'stopping'])('skips when the instance is %s (instance.state covers it)', (state) => {
    const r = run((f) => (val(f.instances[IID])!.state = state));
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('instance.state');
  });

  it('skips when the instance does not exist', () => {
    expect(run((f) => (f.instances[IID] = ok(null))).status).toBe('skip');
  });

  it('errors, naming the API, when DescribeInstanceInformation was denied', () => {
    const r = run((f) => (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:DescribeInstanceInformation');
  });
});

describe('ago', () => {
  const now = '2026-11-29T10:00:00.000Z';
  it.each([
    ['2026-11-29T09:59:30.000Z', 'less than a minute ago'],
    ['2026-11-29T09:59:00.000Z', '1 minute ago'],
    ['2026-11-29T08:01:00.000Z', '119 minutes ago'],
    ['2026-11-28T09:00:00.000Z', '25 hours ago'],
    ['2026-11-19T10:00:00.000Z', '10 days ago'],
    ['2026-11-29T11:00:00.000Z', 'in the future relative to this run'],
    ['not a date', 'at an unknown time'],
  ])('%s -> %s', (t, want) => {
    expect(ago(t, now)).toBe(want);
  });
});

describe('agent.ping on a hybrid node (mi-)', () => {
  const runNode = (edit: (f: Facts) => void) => {
    const facts = world((f) => {
      hybridNode(f);
      edit(f);
    });
    return runCheck(agentPing, { facts, id: MI, region: facts.region });
  };

  it('re-registers a deregistered node as the AWS procedure does: the agent stopped, then started again; no EC2 command', () => {
    const r = runNode((f) => (f.agents[MI] = ok(null)));
    expect(r.status).toBe('fail');
    expect(r.fix!.onInstance).toEqual([
      'sudo systemctl stop amazon-ssm-agent || sudo snap stop amazon-ssm-agent',
      'sudo amazon-ssm-agent -register -y -id "$ACTIVATION_ID" -code "$ACTIVATION_CODE" -region us-east-1',
      'sudo systemctl start amazon-ssm-agent || sudo snap start amazon-ssm-agent',
    ]);
    // The platform of a node that is not registered is unknown: the Windows procedure is in the summary.
    expect(r.fix!.summary).toContain('Stop-Service AmazonSSMAgent; & "$env:ProgramFiles\\Amazon\\SSM\\amazon-ssm-agent.exe" -register -y');
    expect(r.fix!.cli.join('\n')).not.toContain('aws ec2');
  });

  it('restarts an offline node on the node itself, never through EC2', () => {
    const r = runNode(() => {});
    expect(r.status).toBe('fail');
    expect(r.fix!.cli).toEqual([]);
    expect(r.fix!.onInstance).toEqual(['sudo systemctl restart amazon-ssm-agent || sudo snap restart amazon-ssm-agent']);
  });
});
