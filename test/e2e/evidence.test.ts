// The built CLI over the local AWS server, for the reads only some runs need: the session preferences' key, log
// group and bucket (KMS, CloudWatch Logs, S3) and CloudTrail's late-fix lookups. What each costs, which SDK
// clients get loaded, and what a refused read turns into.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { failed, type Facts } from '../../src/facts/facts.js';
import { LATE_FIX_EVENTS } from '../../src/facts/late-fix.js';
import type { Report } from '../../src/report/model.js';
import { IID, denied, healthyFacts } from '../fixtures/world.js';
import { startAwsServer, type AwsServer } from './aws-server.js';
import { ROOT, awsEnv, runCli } from './run-cli.js';

const BIN = join(ROOT, 'bin', 'ssm-doctor.js');

const example = (name: string): Facts => JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.json`), 'utf8')) as Facts;
const EVIDENCE_SERVICES = ['kms', 'logs', 's3', 'cloudtrail'];

let server: AwsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function live(facts: Facts, args: string[] = []) {
  server = await startAwsServer({ facts });
  const run = await runCli([...facts.targets, '--json', ...args], awsEnv(server.url));
  const report = JSON.parse(run.stdout) as Report;
  const byService = (s: string) => server!.requests.filter((r) => r.service === s).map((r) => r.action);
  return { run, report, byService, requests: server.requests };
}

/**
 * The files of dist/ a run of the built CLI loads, through a module hook: which SDK chunks it paid for. A chunk
 * is "an SDK client" when it holds that service's wire name.
 */
async function loadedSdkClients(args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ssm-doctor-loaded-'));
  const log = join(dir, 'loaded.txt');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.includes('/dist/')) appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...args], { env, cwd: ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
  expect(code, `${args.join(' ')} ran`).not.toBeNull();
  expect(code, `${args.join(' ')} ran`).toBeLessThan(2);
  const wire: Record<string, string> = { kms: 'TrentService', logs: 'Logs_20140328', cloudtrail: 'CloudTrail_20131101', s3: 'GetBucketEncryption', ssm: 'AmazonSSM', ec2: 'DescribeVpcEndpoints' };
  const files = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const texts = files.map((u) => readFileSync(new URL(u), 'utf8'));
  return Object.entries(wire)
    .filter(([, marker]) => texts.some((t) => t.includes(`"${marker}"`)))
    .map(([s]) => s)
    .sort();
}

describe('session targets and late fixes, end to end', () => {
  it('one healthy instance reads none of them and loads none of their SDK clients', async () => {
    const { report, requests } = await live(healthyFacts());
    expect(report.ok).toBe(true);
    expect(requests.filter((r) => EVIDENCE_SERVICES.includes(r.service))).toEqual([]);
    const s = await startAwsServer({ facts: healthyFacts() });
    try {
      const loaded = await loadedSdkClients([IID, '--json'], awsEnv(s.url));
      expect(loaded.filter((c) => EVIDENCE_SERVICES.includes(c))).toEqual([]);
      expect(loaded).toContain('ec2');
    } finally {
      await s.close();
    }
  });

  it('--snapshot and --version load no SDK client at all', async () => {
    expect(await loadedSdkClients(['--snapshot', join(ROOT, 'examples', 'late-fix-instance-profile.json'), '--json'], awsEnv(undefined))).toEqual([]);
    // The marker works: the same snapshot's instance, live, loads EC2, SSM and CloudTrail.
    const s = await startAwsServer({ facts: example('late-fix-instance-profile') });
    try {
      expect(await loadedSdkClients([IID, '--json'], awsEnv(s.url))).toEqual(['cloudtrail', 'ec2', 'ssm']);
    } finally {
      await s.close();
    }
    expect(await loadedSdkClients(['--version'], awsEnv(undefined))).toEqual([]);
  });

  it('preferences naming a key, a log group and a bucket cost one read each (and the key policy), once per run', async () => {
    const facts = example('kms-key-disabled');
    const { report, byService } = await live(facts);
    expect(byService('kms')).toEqual(['DescribeKey', 'GetKeyPolicy']);
    expect(report.targets[0]!.checks.find((c) => c.id === 'session.kms-key')).toMatchObject({ status: 'fail', fix: { cli: [expect.stringContaining('aws kms enable-key')] } });
    const bucket = await live(example('deleted-logging-bucket'));
    expect(bucket.byService('s3')).toEqual(['GetBucketEncryption']);
    expect(bucket.report.targets[0]!.checks.find((c) => c.id === 'session.logging')!.detail).toMatch(/NoSuchBucket/);
    const group = await live(example('log-group-not-encrypted'));
    expect(group.byService('logs')).toEqual(['DescribeLogGroups']);
  });

  it('an offline agent whose configuration passes gets one CloudTrail lookup per event name, and the reboot advice its times', async () => {
    const { report, byService } = await live(example('late-fix-instance-profile'));
    expect(byService('cloudtrail')).toEqual(Object.keys(LATE_FIX_EVENTS).map(() => 'LookupEvents'));
    const t = report.targets[0]!;
    expect(t.checks.find((c) => c.id === 'agent.late-fix')!.status).toBe('fail');
    expect(t.rebootSuggested).toBe(true);
    expect(t.reboot!.summary).toContain('the instance profile was associated');
    expect(t.reboot!.summary).toContain('at 2026-11-29 09:52 UTC (CloudTrail AssociateIamInstanceProfile)');
    // The moment of the run is in the detail: live, the retry (10:15 on the 29th) is long overdue.
    expect(t.checks.find((c) => c.id === 'agent.late-fix')!.detail).toMatch(/should have picked the change up by about 2026-11-29 10:15 UTC and has not/);
  });

  it('a refused CloudTrail read: agent.late-fix errors naming cloudtrail:LookupEvents, the report lists the permission', async () => {
    const facts = example('agent-offline-config-ok');
    for (const name of Object.keys(facts.cloudTrail!.lookups)) facts.cloudTrail!.lookups[name] = failed(denied('cloudtrail:LookupEvents', 'AccessDeniedException'));
    const { report, run } = await live(facts);
    expect(run.code).toBe(1);
    const late = report.targets[0]!.checks.find((c) => c.id === 'agent.late-fix')!;
    expect(late.status).toBe('error');
    expect(late.detail).toMatch(/would date an instance profile association/);
    expect(report.missingPermissions).toEqual(['cloudtrail:LookupEvents']);
    expect(report.targets[0]!.reboot!.summary).toMatch(/^Restart the SSM Agent, or reboot the instance/);
  });

  it('--skip agent.late-fix makes no CloudTrail lookup', async () => {
    const { byService } = await live(example('late-fix-instance-profile'), ['--skip', 'agent.late-fix']);
    expect(byService('cloudtrail')).toEqual([]);
  });
});
