// The fixes' wait and retry loops, run as pasted in bash and zsh against a stand-in `aws` that answers as AWS does
// in the cases that made them necessary: EC2 not seeing a new instance profile yet, an EC2 Instance Connect Endpoint
// that fails to create or never completes. `sleep` is a no-op, so the bounds are counted, not timed.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentInstalled } from '../../checks/agent.installed.js';
import { iamInstanceProfile } from '../../checks/iam.instance-profile.js';
import { runCheck } from '../../src/check/run.js';
import { AMI_RHEL, IMAGE_RHEL, consoleEvidence, offline } from '../fixtures/evidence.js';
import { IID, val, world } from '../fixtures/world.js';

const dir = mkdtempSync(path.join(tmpdir(), 'retry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const counter = path.join(dir, 'calls');

/** A stand-in `aws`: answers `answers[n]` on its n-th call (the last one ever after): `ok:TEXT` prints, `fail:TEXT` fails. */
function stubAws(answers: string[]): void {
  const cases = answers.map((a, i) => `  ${i + 1}) ${answerOf(a)} ;;`).join('\n');
  writeFileSync(
    path.join(dir, 'aws'),
    `#!/bin/sh\nn=$(( $(cat "${counter}" 2>/dev/null || echo 0) + 1 ))\necho $n > "${counter}"\ncase $n in\n${cases}\n  *) ${answerOf(answers.at(-1)!)} ;;\nesac\n`,
  );
  chmodSync(path.join(dir, 'aws'), 0o755);
  writeFileSync(path.join(dir, 'sleep'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(dir, 'sleep'), 0o755);
  writeFileSync(counter, '0');
}
function answerOf(a: string): string {
  const [kind, text] = [a.slice(0, a.indexOf(':')), a.slice(a.indexOf(':') + 1)];
  return kind === 'ok' ? `echo '${text}'; exit 0` : `echo '${text}' >&2; exit 254`;
}

const hasZsh = spawnSync('sh', ['-c', 'command -v zsh']).status === 0;
function paste(shell: 'bash' | 'zsh', line: string): { stderr: string; calls: number } {
  const argv = shell === 'bash' ? ['bash', '--norc', '--noprofile', '-s'] : ['zsh', '-f', '-s'];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input: `${shell === 'bash' ? 'set -u' : 'setopt nounset'}\nEICE_0a1b2c3d4e5f60718=eice-0fake\n${line}\n`,
    env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { stderr: r.stderr, calls: Number(readFileSync(counter, 'utf8')) };
}

const noProfile = () => {
  const facts = world((f) => delete val(f.instances[IID])!.instanceProfileArn);
  return runCheck(iamInstanceProfile, { facts, id: IID, region: facts.region }).fix!.cli;
};
const eiceWait = () => {
  const facts = world((f) => offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: consoleEvidence({ agentStarts: [] }) }));
  return runCheck(agentInstalled, { facts, id: IID, region: facts.region }).fix!.cli.find((c) => c.startsWith('EICE_STATE_'))!;
};

describe.each(['bash', 'zsh'] as const)('%s', (shell) => {
  it.skipIf(shell === 'zsh' && !hasZsh && !process.env.CI)('associates a new instance profile once EC2 sees it, retrying at most 6 times', () => {
    const associate = noProfile().at(-1)!;
    stubAws(['fail:An error occurred (InvalidParameterValue): Value (ssm-profile) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name', 'fail:same', 'ok:{}']);
    const late = paste(shell, associate);
    expect(late.calls).toBe(3);
    // Each failed attempt shows AWS's own error, then waits.
    expect(late.stderr.match(/Invalid IAM Instance Profile name|same/g)).toHaveLength(2);
    stubAws(['fail:Invalid IAM Instance Profile name']);
    const never = paste(shell, associate);
    expect(never.calls).toBe(6);
    expect(never.stderr.match(/Invalid IAM Instance Profile name/g)).toHaveLength(6);
  });

  it.skipIf(shell === 'zsh' && !hasZsh && !process.env.CI)('waits for the EC2 Instance Connect Endpoint: done when complete, stops on create-failed, gives up after 40 checks', () => {
    const wait = eiceWait();
    stubAws(['ok:create-in-progress', 'ok:create-in-progress', 'ok:create-complete']);
    const done = paste(shell, wait);
    expect(done.calls).toBe(3);
    expect(done.stderr).toBe('');
    stubAws(['ok:create-in-progress', 'ok:create-failed']);
    const failed = paste(shell, wait);
    expect(failed.calls).toBe(2);
    expect(failed.stderr).toContain('EC2 Instance Connect Endpoint eice-0fake is create-failed, not create-complete');
    stubAws(['ok:create-in-progress']);
    const forever = paste(shell, wait);
    expect(forever.calls).toBe(40);
    expect(forever.stderr).toContain('is create-in-progress, not create-complete');
  });
});
