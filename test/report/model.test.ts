import { describe, expect, it } from 'vitest';
import { missingPermissionsOf } from '../../src/report/model.js';
import type { CheckResult } from '../../src/check/kit.js';
import { denied, IID, VPC, world } from '../fixtures/world.js';
import { reportOf } from './helpers.js';

describe('buildReport additions', () => {
  it('failOn defaults to fail and is recorded; --fail-on warn fails warning-only targets', () => {
    const r = reportOf('transit-gateway-route');
    expect(r.failOn).toBe('fail');
    expect(r.ok).toBe(true);
    const gated = reportOf('transit-gateway-route', { failOn: 'warn' });
    expect(gated.failOn).toBe('warn');
    expect(gated.ok).toBe(false);
    expect(gated.targets[0]!.ok).toBe(false);
    expect(reportOf('healthy', { failOn: 'warn' }).ok).toBe(true);
  });

  it('missingPermissions: distinct denied IAM actions per target and for the report; absent when none', () => {
    const facts = world((f) => {
      f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') };
      f.connections[IID] = { ok: false, error: denied('ssm:GetConnectionStatus', 'AccessDeniedException') };
    });
    const r = reportOf(facts);
    expect(r.targets[0]!.missingPermissions).toEqual(['ec2:DescribeVpcEndpoints', 'ssm:GetConnectionStatus']);
    expect(r.missingPermissions).toEqual(['ec2:DescribeVpcEndpoints', 'ssm:GetConnectionStatus']);
    const healthy = reportOf('healthy');
    expect(healthy.missingPermissions).toBeUndefined();
    expect(healthy.targets[0]!.missingPermissions).toBeUndefined();
    expect(JSON.parse(JSON.stringify(healthy))).not.toHaveProperty('missingPermissions');
  });

  it('only denials count: throttling, timeouts and crashes are not missing permissions', () => {
    const e = (data: Record<string, unknown>): CheckResult => ({ id: 'x.y', title: 't', group: 'network', status: 'error', detail: 'd', data });
    expect(
      missingPermissionsOf([
        e({ api: 'ec2:DescribeVpcs', code: 'RequestLimitExceeded', kind: 'throttled' }),
        e({ api: 'ec2:DescribeSubnets', code: 'TimeoutError', kind: 'timeout' }),
        e({ api: 'ssm-doctor', code: 'NotCollected', kind: 'other' }),
        e({ api: 'iam:GetRole', code: 'AccessDenied', kind: 'denied' }),
        e({ api: 'iam:GetRole', code: 'AccessDenied', kind: 'denied' }),
        e({ api: 'ec2:DescribeRouteTables', code: 'UnauthorizedOperation' }), // no kind: judged by the code
        { ...e({ api: 'kms:Decrypt', code: 'AccessDenied', kind: 'denied' }), status: 'fail' },
      ]),
    ).toEqual(['ec2:DescribeRouteTables', 'iam:GetRole']);
  });
});
