import { describe, expect, it } from 'vitest';
import { sessionPreferences } from '../../checks/session.preferences.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';
import { all, prefs, type Edit } from '../fixtures/session-targets.js';

const run = (edit?: Edit) => {
  const facts = world(edit);
  return runCheck(sessionPreferences, { facts, id: IID, region: facts.region });
};

describe('session.preferences', () => {
  it('passes with default preferences (no document)', () => {
    const r = run();
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/[Dd]efault preferences/);
  });

  it('passes a document, summarising it and naming the checks that judge its key and logging targets', () => {
    const r = run(prefs({ kmsKeyId: 'k', s3BucketName: 'b', s3EncryptionEnabled: true, cloudWatchLogGroupName: '/g', runAsEnabled: true, runAsDefaultUser: 'ec2-user', idleSessionTimeout: '20' }));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('Run As is enabled (default user ec2-user)');
    expect(r.detail).toContain('S3 logging to b (encrypted bucket required)');
    expect(r.detail).toContain('the KMS key: session.kms-key; the logging targets: session.logging');
    expect(r.data).toMatchObject({ kms: true, s3: true, cloudWatch: true, runAsEnabled: true });
  });

  it('warns when Run As is on without a default user, with the preferences rewritten to set one', () => {
    const r = run(prefs({ runAsEnabled: true, s3BucketName: 'b' }));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/please set the RunAs default user/);
    expect(r.fix!.cli).toEqual([
      `DOC_VERSION=$(aws ssm update-document --name SSM-SessionManagerRunShell --content ` +
        `'{"schemaVersion":"1.0","description":"Document to hold regional settings for Session Manager","sessionType":"Standard_Stream","inputs":{"runAsEnabled":true,"s3BucketName":"b","runAsDefaultUser":"ec2-user"}}' ` +
        '--query DocumentDescription.DocumentVersion --output text --region us-east-1)',
      'aws ssm update-document-default-version --name SSM-SessionManagerRunShell --document-version "$DOC_VERSION" --region us-east-1',
    ]);
    expect(r.fix!.terraform).toContain('# In the Terraform that manages SSM-SessionManagerRunShell (aws_ssm_document), set:');
  });

  it('proposes ubuntu on Ubuntu, and does not warn on Windows (no Run As there)', () => {
    const ubuntu = run(all(prefs({ runAsEnabled: true }), (f) => (val(f.agents[IID])!.platformName = 'Ubuntu')));
    expect(ubuntu.fix!.cli[0]).toContain('"runAsDefaultUser":"ubuntu"');
    expect(run(all(prefs({ runAsEnabled: true }), (f) => (val(f.instances[IID])!.platform = 'windows'))).status).toBe('pass');
  });

  it('errors when the preferences document could not be read', () => {
    const r = run((f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetDocument');
  });

  it('skips when the instance does not exist', () => {
    expect(run((f) => (f.instances[IID] = ok(null))).status).toBe('skip');
  });
});
