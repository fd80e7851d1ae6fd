import { describe, expect, it } from 'vitest';
import { instanceMetadata } from '../../checks/instance.metadata.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(instanceMetadata, { facts, id: IID, region: facts.region });
};
const mo = (f: Facts) => val(f.instances[IID])!.metadataOptions!;
const dhmc = (f: Facts) => {
  delete val(f.instances[IID])!.instanceProfileArn;
  f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
};

describe('instance.metadata', () => {
  it.each([
    ['enabled', 'required', 2, 'pass'],
    ['enabled', 'optional', 2, 'pass'],
    ['enabled', 'required', 1, 'pass'],
    ['disabled', 'required', 2, 'fail'],
    ['disabled', 'optional', 1, 'fail'],
  ])('httpEndpoint=%s httpTokens=%s hop limit %i -> %s', (endpoint, tokens, hops, want) => {
    const r = run((f) => Object.assign(mo(f), { httpEndpoint: endpoint, httpTokens: tokens, httpPutResponseHopLimit: hops }));
    expect(r.status).toBe(want);
  });

  it('fails with modify-instance-metadata-options and a metadata_options block when IMDS is disabled', () => {
    const r = run((f) => (mo(f).httpEndpoint = 'disabled'));
    expect(r.detail).toMatch(/credentials/);
    expect(r.fix?.cli).toEqual([`aws ec2 modify-instance-metadata-options --instance-id ${IID} --http-endpoint enabled --region us-east-1`]);
    expect(r.fix?.terraform).toContain('metadata_options {');
    expect(r.fix?.terraform).toContain('http_endpoint = "enabled"');
    expect(r.fix?.terraform).toContain('http_tokens   = "required"');
  });

  it('enables IMDS with the same effect in the CLI and the Terraform: HttpTokens kept, required recommended in the summary', () => {
    const r = run((f) => Object.assign(mo(f), { httpEndpoint: 'disabled', httpTokens: 'optional' }));
    expect(r.fix?.cli).toEqual([`aws ec2 modify-instance-metadata-options --instance-id ${IID} --http-endpoint enabled --region us-east-1`]);
    // Terraform that changed the tokens would break IMDSv1 applications the CLI leaves working.
    expect(r.fix?.terraform).toContain('#     http_tokens   = "optional"');
    expect(r.fix?.terraform).not.toContain('"required"');
    expect(r.fix?.summary).toContain('HttpTokens stays optional');
    expect(r.fix?.summary).toMatch(/Recommended hardening, as a separate step .*--http-tokens required/);
  });

  it('passes DHMC with optional tokens (IMDSv2 still served), recommending required', () => {
    const r = run((f) => {
      dhmc(f);
      mo(f).httpTokens = 'optional';
    });
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/DHMC/);
    expect(r.detail).toMatch(/required/);
  });

  it('notes hop limit 1 as a container concern without warning', () => {
    const r = run((f) => (mo(f).httpPutResponseHopLimit = 1));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/container/);
  });

  it('mentions a pending metadata change', () => {
    expect(run((f) => (mo(f).state = 'pending')).detail).toMatch(/pending/);
  });

  it('skips when EC2 reported no metadata options', () => {
    const r = run((f) => delete val(f.instances[IID])!.metadataOptions);
    expect(r.status).toBe('skip');
    expect(r.detail).toMatch(/metadata options/);
  });

  it('still passes when the DHMC setting is unreadable (it only changes wording)', () => {
    const r = run((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      f.dhmc = failed(denied('ssm:GetServiceSetting', 'AccessDeniedException'));
    });
    expect(r.status).toBe('pass');
  });

  it('errors when DescribeInstances was denied', () => {
    const r = run((f) => (f.instances[IID] = failed(denied('ec2:DescribeInstances'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeInstances');
  });
});
