// The built CLI against the local AWS server, for an agent that is offline with the right configuration: what it
// reads (and only then), what it reports, what it keeps of the serial console, and what a missing permission does.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/facts/facts.js';
import type { Report } from '../../src/report/model.js';
import { AMI_RHEL, IMAGE_RHEL, consoleEvidence, offline } from '../fixtures/evidence.js';
import { healthyFacts, IID, denied, world } from '../fixtures/world.js';
import { startAwsServer, type ServerOptions } from './aws-server.js';
import { awsEnv, runCli } from './run-cli.js';

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function live(facts: Facts, args: string[], opts: Partial<ServerOptions> = {}) {
  server = await startAwsServer({ facts, ...opts });
  const run = await runCli([IID, '--region', 'us-east-1', ...args], awsEnv(server.url));
  return { ...run, actions: server.requests.map((r) => r.action) };
}

const EVIDENCE = ['DescribeInstanceStatus', 'DescribeImages', 'GetConsoleOutput', 'DescribeInstanceConnectEndpoints', 'DescribeActivations'];
const rhel = () => world((f) => offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: consoleEvidence({ agentStarts: [] }) }));
const check = (r: Report, id: string) => r.targets[0]!.checks.find((c) => c.id === id)!;

/** A boot log as an instance prints it: colours, CRLF, a user script echoing secrets, the disk filling up. */
const RAW_CONSOLE = [
  '[    0.000000] Linux version 5.14.0-427.13.1.el9_4.x86_64 (mockbuild@x86-64-01.build.eng.rdu2.redhat.com) #1 SMP PREEMPT_DYNAMIC',
  '[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mcloud-final.service\x1b[0m - Execute cloud user/final scripts.',
  'cloud-init[1102]: + export DB_PASSWORD=Sup3rS3cret!',
  'cloud-init[1102]: + aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
  '[ 8812.204418] systemd-journald[611]: Failed to write entry (21 items, 702 bytes), ignoring: No space left on device',
  '',
].join('\r\n');

describe('offline agent: evidence end to end', () => {
  it('a healthy instance sends none of the evidence reads, and the new checks do not fail it', async () => {
    const r = await live(healthyFacts(), ['--json']);
    expect(r.code).toBe(0);
    expect(r.actions.filter((a) => EVIDENCE.includes(a))).toEqual([]);
    const report = JSON.parse(r.stdout) as Report;
    for (const id of ['instance.health', 'agent.console', 'hybrid.tier', 'hybrid.activation']) expect(check(report, id).status).toBe('skip');
    expect(check(report, 'agent.installed').status).toBe('pass');
  });

  it('RHEL without an agent: agent.installed fails with the install and the way in; text report shows it', async () => {
    const r = await live(rhel(), ['--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    for (const a of ['DescribeInstanceStatus', 'DescribeImages', 'GetConsoleOutput', 'DescribeInstanceConnectEndpoints']) expect(r.actions).toContain(a);
    const report = JSON.parse(r.stdout) as Report;
    const installed = check(report, 'agent.installed');
    expect(installed).toMatchObject({ status: 'fail', subject: AMI_RHEL });
    expect(installed.fix!.onInstance!.join('\n')).toContain('amazon-ssm-agent.rpm');
    expect(installed.fix!.cli.at(-1)).toContain('aws ec2-instance-connect ssh');
    expect(installed.fix!.terraform).toContain('resource "aws_ec2_instance_connect_endpoint"');
    expect(report.targets[0]!.rebootSuggested).toBe(false);
    const text = await live(rhel(), ['--no-color']);
    expect(text.stdout).toContain('agent.installed');
    expect(text.stdout).toContain('Red Hat Enterprise Linux');
  });

  it('keeps only the evidence lines of the console: no secret in the report or the snapshot', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ssm-doctor-console-')), 'snap.json');
    const r = await live(rhel(), ['--json', '--save-snapshot', file], { consoleOutput: { [IID]: RAW_CONSOLE } });
    const report = JSON.parse(r.stdout) as Report;
    expect(check(report, 'agent.console')).toMatchObject({ status: 'fail' });
    expect(check(report, 'agent.console').detail).toContain('No space left on device');
    const snapshot = readFileSync(file, 'utf8');
    for (const out of [r.stdout, snapshot, r.stderr]) {
      expect(out).not.toContain('Sup3rS3cret');
      expect(out).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY');
      expect(out).not.toContain('DB_PASSWORD');
    }
    const facts = JSON.parse(snapshot) as Facts;
    expect(facts.consoleEvidence[IID]).toEqual({
      ok: true,
      value: {
        capturedAt: '2026-11-29T09:59:30.000Z',
        latest: true,
        empty: false,
        bootSeen: true,
        agentStarts: [],
        findings: [{ kind: 'disk-full', line: '[ 8812.204418] systemd-journald[611]: Failed to write entry (21 items, 702 bytes), ignoring: No space left on device' }],
      },
    });
    // The snapshot diagnoses alike, without AWS.
    const again = await runCli(['--snapshot', file, '--json'], awsEnv(undefined));
    expect(check(JSON.parse(again.stdout) as Report, 'agent.console').status).toBe('fail');
  });

  it('without the new permissions: only the evidence checks error, missingPermissions names them, the reboot is still suggested', async () => {
    const facts = world((f) => {
      offline(f, { lastPing: '2026-11-29T07:00:00.000Z' });
      f.instanceStatus[IID] = { ok: false, error: denied('ec2:DescribeInstanceStatus') };
      f.consoleEvidence[IID] = { ok: false, error: denied('ec2:GetConsoleOutput') };
    });
    const r = await live(facts, ['--json']);
    const report = JSON.parse(r.stdout) as Report;
    expect(check(report, 'instance.health').status).toBe('error');
    expect(check(report, 'agent.console').status).toBe('error');
    expect(report.missingPermissions).toEqual(['ec2:DescribeInstanceStatus', 'ec2:GetConsoleOutput']);
    expect(report.targets[0]!.rebootSuggested).toBe(true);
    for (const c of report.targets[0]!.checks) if (!['instance.health', 'agent.console', 'agent.ping', 'session.connection'].includes(c.id)) expect(c.status, c.id).not.toBe('error');
  });

  it('--redact: the console lines are redacted too, and the verdicts stay', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ssm-doctor-console-')), 'snap.json');
    const raw = RAW_CONSOLE.replace('No space left on device', 'No space left on device (mount of 52.94.1.77:/home/alice/export)');
    const r = await live(rhel(), ['--json', '--redact', '--save-snapshot', file], { consoleOutput: { [IID]: raw } });
    const snapshot = readFileSync(file, 'utf8');
    expect(snapshot).not.toContain('alice');
    expect(snapshot).not.toContain('52.94.1.77');
    expect(check(JSON.parse(r.stdout) as Report, 'agent.console').status).toBe('fail');
  });
});
