import { describe, expect, it } from 'vitest';
import { sessionConnection } from '../../checks/session.connection.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';
import { CONNECTION_STATUS_MAX_TARGETS } from '../../src/facts/requirements.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(sessionConnection, { facts, id: IID, region: facts.region });
};

describe('session.connection', () => {
  it('passes when connected', () => {
    expect(run().status).toBe('pass');
  });

  it('fails when notconnected, pointing at the other checks, with restart/reboot and a recheck', () => {
    const r = run((f) => (f.connections[IID] = ok('notconnected')));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/cannot open a session/);
    expect(r.detail).toMatch(/other failing checks/);
    expect(r.fix?.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(r.fix?.cli).toContain(`aws ssm get-connection-status --target ${IID} --region us-east-1`);
  });

  it.each(['stopped', 'pending'])('skips when the instance is %s', (state) => {
    expect(run((f) => (val(f.instances[IID])!.state = state)).status).toBe('skip');
  });

  it('skips for a terminated instance', () => {
    expect(run((f) => (val(f.instances[IID])!.state = 'terminated')).status).toBe('skip');
  });

  it('errors, naming the API, when GetConnectionStatus was denied', () => {
    const r = run((f) => (f.connections[IID] = failed(denied('ssm:GetConnectionStatus', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetConnectionStatus');
  });
});

describe('session.connection in big fleets', () => {
  it('skips, saying why, when the status was not read because the run has more than CONNECTION_STATUS_MAX_TARGETS targets', () => {
    const facts = world((f) => {
      delete f.connections[IID];
      f.targets = [IID, ...Array.from({ length: CONNECTION_STATUS_MAX_TARGETS }, (_, n) => `i-${String(n).padStart(17, '0')}`)];
    });
    const r = runCheck(sessionConnection, { facts, id: IID, region: facts.region });
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('agent.ping covers readiness');
  });
});
