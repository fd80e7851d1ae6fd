import { describe, expect, it } from 'vitest';
import { agentIdentity } from '../../checks/agent.identity.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { TWIN, hybridNode, offline, registeredAsHybrid } from '../fixtures/evidence.js';
import { expectRunnableCli } from '../fixtures/fix-syntax.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(agentIdentity, { facts, id: facts.targets[0]!, region: facts.region });
};
const twin = (f: Facts) => val(f.managedNodeScan)!.matches[0]!;

describe('agent.identity', () => {
  it('passes for an agent Online under its instance id (nothing read)', () => {
    expect(run()).toMatchObject({ status: 'pass', data: { registeredAs: IID } });
  });

  it('fails when a hybrid registration has its EC2 host name: connect with the mi- id now, clear the registration', () => {
    const r = run((f) => {
      offline(f);
      registeredAsHybrid(f);
    });
    expect(r.status).toBe('fail');
    expect(r.subject).toBe(TWIN);
    expect(r.detail).toContain(`hybrid node ${TWIN} (same IP address 10.0.1.10 and computer name ip-10-0-1-10.ec2.internal; Online`);
    expect(r.fix!.cli[0]).toBe(`aws ssm start-session --target ${TWIN} --region us-east-1`);
    expect(r.fix!.onInstance).toEqual([
      'sudo systemctl stop amazon-ssm-agent || sudo snap stop amazon-ssm-agent',
      'sudo amazon-ssm-agent -register -clear',
      'sudo systemctl start amazon-ssm-agent || sudo snap start amazon-ssm-agent',
    ]);
    expect(r.fix!.cli.join('\n')).toContain(`aws ssm deregister-managed-instance --instance-id ${TWIN} --region us-east-1`);
    expectRunnableCli(r.fix);
  });

  it('matches the resource-name host name (i-...) too', () => {
    const r = run((f) => {
      offline(f, { lastPing: '2026-11-29T07:00:00.000Z' });
      registeredAsHybrid(f);
      Object.assign(twin(f), { ipAddress: '10.9.9.9', computerName: `${IID}.us-east-1.compute.internal`, pingStatus: 'ConnectionLost' });
    });
    expect(r.status).toBe('fail');
    expect(r.fix!.cli[0]).not.toContain('start-session');
  });

  it('only warns on a shared IP address alone (private addresses repeat across networks)', () => {
    const r = run((f) => {
      offline(f);
      registeredAsHybrid(f);
      twin(f).computerName = 'db01.corp.example.com';
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/on-premises server/);
  });

  it('passes when no hybrid registration matches; skips when the listing was cut short', () => {
    const none = run((f) => offline(f));
    expect(none.status).toBe('pass');
    const partial = run((f) => {
      offline(f);
      f.managedNodeScan = ok({ matches: [], scanned: 300, complete: false });
    });
    expect(partial.status).toBe('skip');
    expect(partial.detail).toMatch(/first 300/);
  });

  it('errors when the listing failed for an offline agent; skips hybrid nodes', () => {
    const r = run((f) => {
      offline(f);
      f.managedNodeScan = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException'));
    });
    expect(r.status).toBe('error');
    expect(run((f) => hybridNode(f)).status).toBe('skip');
  });
});
