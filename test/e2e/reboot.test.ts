// --reboot: the only mutating call, made only for targets whose configuration passes but whose agent is offline,
// and only after confirmation (--yes, or an interactive yes).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/facts/facts.js';
import { healthyFacts, IID } from '../fixtures/world.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, ROOT, runCli } from './run-cli.js';

const offline = (): Facts => JSON.parse(readFileSync(`${ROOT}/examples/agent-offline-config-ok.json`, 'utf8'));

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function live(facts: Facts, args: string[]) {
  server = await startAwsServer({ facts });
  const run = await runCli(args, awsEnv(server.url));
  const mutating = server.requests.filter((q) => !/^(Describe|Get|List|Simulate|Lookup)/.test(q.action)).map((q) => q.action);
  return { ...run, mutating, reboots: server.reboots };
}

describe('--reboot', () => {
  it('with --yes reboots a target whose configuration passes but whose agent is offline', async () => {
    const r = await live(offline(), [IID, '--reboot', '--yes', '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('reboot-instances');
    expect(r.mutating).toEqual(['RebootInstances']);
    expect(r.reboots).toEqual([IID]);
    expect(r.stderr).toContain('reboot requested');
  });

  it('never reboots with --json unless --yes is given', async () => {
    const r = await live(offline(), [IID, '--reboot', '--json']);
    expect(JSON.parse(r.stdout).targets[0].rebootSuggested).toBe(true);
    expect(r.mutating).toEqual([]);
    expect(r.stderr).toContain('--yes');
  });

  it('does not reboot without a terminal to confirm on', async () => {
    const r = await live(offline(), [IID, '--reboot']);
    expect(r.mutating).toEqual([]);
  });

  it('does not reboot a healthy instance, even with --yes', async () => {
    const r = await live(healthyFacts(), [IID, '--reboot', '--yes']);
    expect(r.code).toBe(0);
    expect(r.mutating).toEqual([]);
    expect(r.stderr).toContain('no target needs a reboot');
  });

  it('without --reboot, a suggested reboot is only advice', async () => {
    const r = await live(offline(), [IID, '--json']);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.rebootSuggested).toBe(true);
    expect(t.reboot.cli.join('\n')).toContain(`aws ec2 reboot-instances --instance-ids ${IID}`);
    expect(r.mutating).toEqual([]);
  });
});
