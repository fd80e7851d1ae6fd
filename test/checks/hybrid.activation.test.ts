import { describe, expect, it } from 'vitest';
import { hybridActivation } from '../../checks/hybrid.activation.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { ACTIVATION, HYBRID_ROLE, MI, hybridNode } from '../fixtures/evidence.js';
import { expectRunnableCli, expectValidHcl } from '../fixtures/fix-syntax.js';
import { denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(hybridActivation, { facts, id: facts.targets[0]!, region: facts.region });
};

describe('hybrid.activation', () => {
  it('skips EC2 instances and Online hybrid nodes', () => {
    expect(run().status).toBe('skip');
    expect(run((f) => hybridNode(f, { pingStatus: 'Online' })).status).toBe('skip');
  });

  it('passes for an offline node whose role trusts SSM and whose activation is valid', () => {
    const r = run((f) => hybridNode(f, { expired: false }));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain(`The service role ${HYBRID_ROLE} trusts ssm.amazonaws.com.`);
    expect(r.detail).toContain(`Activation ${ACTIVATION} is valid until 2026-12-20T08:00:00.000Z`);
  });

  it('warns on an expired activation: re-registration fails; a new activation and the register command', () => {
    const r = run((f) => hybridNode(f));
    expect(r.status).toBe('warn');
    expect(r.subject).toBe(ACTIVATION);
    expect(r.detail).toContain(`Activation ${ACTIVATION} of ${MI} expired on 2026-11-01T08:00:00.000Z`);
    expect(r.detail).toMatch(/keeps working after its activation expires/);
    expect(r.fix!.cli.join('\n')).toContain(`aws ssm create-activation --iam-role ${HYBRID_ROLE}`);
    // As the AWS procedure: the agent stopped while it registers, started after.
    expect(r.fix!.onInstance).toEqual([
      'sudo systemctl stop amazon-ssm-agent || sudo snap stop amazon-ssm-agent',
      'sudo amazon-ssm-agent -register -y -id "$ACTIVATION_ID" -code "$ACTIVATION_CODE" -region us-east-1',
      'sudo systemctl start amazon-ssm-agent || sudo snap start amazon-ssm-agent',
    ]);
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix!.terraform);
  });

  it('registers a Windows node with the service stopped, in PowerShell', () => {
    const r = run((f) => {
      hybridNode(f);
      val(f.agents[MI])!.platformType = 'Windows';
    });
    expect(r.fix!.onInstance).toEqual([
      'Stop-Service AmazonSSMAgent',
      '& "$env:ProgramFiles\\Amazon\\SSM\\amazon-ssm-agent.exe" -register -y -id "$env:ACTIVATION_ID" -code "$env:ACTIVATION_CODE" -region us-east-1',
      'Start-Service AmazonSSMAgent',
    ]);
    expect([...r.fix!.cli, ...r.fix!.onInstance!].join('\n')).not.toMatch(/\baws ec2 /);
  });

  it('warns when the activation reached its registration limit, or no longer exists', () => {
    const full = run((f) => {
      hybridNode(f, { expired: false });
      Object.assign(val(f.activations[ACTIVATION])!, { registrationsCount: 10, registrationLimit: 10 });
    });
    expect(full.status).toBe('warn');
    expect(full.detail).toMatch(/registration limit \(10 of 10\)/);
    const gone = run((f) => {
      hybridNode(f);
      f.activations[ACTIVATION] = ok(null);
    });
    expect(gone.detail).toMatch(/no longer exists/);
  });

  it('fails when the service role is gone or does not trust ssm.amazonaws.com', () => {
    const gone = run((f) => {
      hybridNode(f);
      f.roles[HYBRID_ROLE] = failed({ api: 'iam:GetRole', code: 'NoSuchEntity', message: 'The role cannot be found', kind: 'other' });
    });
    expect(gone.status).toBe('fail');
    expect(gone.subject).toBe(HYBRID_ROLE);
    expect(gone.fix!.cli.join('\n')).toContain(`aws iam create-role --role-name ${HYBRID_ROLE}`);
    expectRunnableCli(gone.fix);
    const wrong = run((f) => {
      hybridNode(f, { expired: false });
      val(f.roles[HYBRID_ROLE]).trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    });
    expect(wrong.status).toBe('fail');
    expect(wrong.fix!.cli.join('\n')).toContain(`aws iam update-assume-role-policy --role-name ${HYBRID_ROLE}`);
    expect(wrong.fix!.cli.join('\n')).toContain(`aws ssm update-managed-instance-role --instance-id ${MI} --iam-role ${HYBRID_ROLE}`);
    expectRunnableCli(wrong.fix);
  });

  it('errors when the activation could not be read', () => {
    const r = run((f) => {
      hybridNode(f);
      f.activations[ACTIVATION] = failed(denied('ssm:DescribeActivations', 'AccessDeniedException'));
    });
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/ssm:DescribeActivations/);
  });
});
