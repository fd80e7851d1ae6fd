// Every command a fix prints, pasted as a person pastes it: into an interactive bash and an interactive zsh (where
// a `#` is not a comment by default), with `nounset` on so an id captured by an earlier command must exist. The
// AWS CLI and the other tools are stand-ins on PATH that record their arguments and print ids for `--query`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import type { Fix } from '../../src/check/kit.js';
import { buildReport } from '../../src/report/model.js';
import { shellWords } from '../../src/report/wrap.js';
import { fixCorpus } from '../fixtures/fix-worlds.js';

const dir = mkdtempSync(path.join(tmpdir(), 'paste-'));
const bin = path.join(dir, 'bin');
const log = path.join(dir, 'calls.log');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in for every program the fixes call: one line per call in the log (arguments separated by a unit
// separator, so empty arguments show), and an id where the command asks for one with --query.
const STUB = `#!/bin/sh
name=$(basename "$0")
{ printf '%s' "$name"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\n'; } >> "${log}"
case "$*" in
  *"--query GroupId"*) echo sg-0fake0fake0fake0f ;;
  *"--query AllocationId"*) echo eipalloc-0fake0fake0fake0 ;;
  *"--query NatGateway.NatGatewayId"*) echo nat-0fake0fake0fake0f ;;
  *"--query DhcpOptions.DhcpOptionsId"*) echo dopt-0fake0fake0fake0 ;;
  *"--query Regions[].RegionName"*) echo us-east-1 eu-west-1 ;;
  *"--query IamInstanceProfileAssociations[0].AssociationId"*) echo iip-assoc-0fake0fake0fake0f ;;
  *"--query [ActivationId,ActivationCode]"*) echo id code ;;
  *"--query InstanceConnectEndpoint.InstanceConnectEndpointId"*) echo eice-0fake0fake0fake0 ;;
  *"--query InstanceConnectEndpoints[0].State"*) echo create-complete ;;
  *"--query KeyMetadata.Arn"*) echo arn:aws:kms:us-east-1:111122223333:key/0fake0fake ;;
  *"--query DocumentDescription.DocumentVersion"*) echo 2 ;;
  *"--query PrefixLists[0].PrefixListId"*) echo pl-0fake0fake0fake0 ;;
  *"--query Policy.DefaultVersionId"*) echo v3 ;;
esac
exit 0
`;
const TOOLS = ['aws', 'sudo', 'curl', 'dpkg', 'yum', 'dnf', 'brew', 'unzip', 'session-manager-plugin', 'npx', 'snap', 'systemctl'];
spawnSync('mkdir', ['-p', bin]);
for (const t of TOOLS) {
  writeFileSync(path.join(bin, t), STUB);
  chmodSync(path.join(bin, t), 0o755);
}

const hasZsh = spawnSync('sh', ['-c', 'command -v zsh']).status === 0;
const SHELLS: Record<string, { argv: string[]; strict: string }> = {
  bash: { argv: ['bash', '--norc', '--noprofile', '-i', '-s'], strict: 'set -u' },
  zsh: { argv: ['zsh', '-f', '-i', '-s'], strict: 'setopt nounset' },
};

/** Pastes the lines into an interactive shell; returns what it said on stderr and the calls made. */
function paste(shell: keyof typeof SHELLS, lines: string[]): { errors: string[]; calls: string[][] } {
  writeFileSync(log, '');
  const { argv, strict } = SHELLS[shell]!;
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input: `${strict}\n${lines.join('\n')}\nexit\n`,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, TERM: 'dumb', PS1: '', PS2: '', PROMPT: '', PROMPT2: '' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const errors = r.stderr
    .split('\n')
    .filter((l) => /(command not found|not found:|parse error|syntax error|unbound variable|parameter not set|no such file|bad substitution|unmatched)/i.test(l));
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\u001f'));
  return { errors, calls };
}

const corpus = fixCorpus().map(({ name, facts }) => ({ name, report: buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'aws' }) }));

function fixesOf(report: (typeof corpus)[number]['report']): Fix[] {
  return [
    ...report.targets.flatMap((t) => [...t.checks.flatMap((c) => (c.fix ? [c.fix] : [])), ...(t.diagnosis.then ? [t.diagnosis.then] : [])]),
    ...report.causes.flatMap((c) => (c.fix ? [c.fix] : [])),
    ...report.plan.steps.flatMap((s) => (s.fix ? [s.fix] : [])),
  ];
}

/** Commands for the AWS CLI's machine (PowerShell fixes for a Windows operator are not shell). */
const shellCli = (f: Fix) => f.cli.filter((c) => !/^(Invoke-WebRequest|\.\\|Restart-Service|Start-Process)/.test(c));

describe('fix commands as pasted', () => {
  it('no comment, placeholder or prompt on any command line', () => {
    for (const { name, report } of corpus) {
      for (const f of fixesOf(report)) {
        for (const cmd of [...f.cli, ...(f.onInstance ?? [])]) {
          const words = shellWords(cmd);
          expect(words[0], `${name}: ${cmd}`).not.toMatch(/^[#$]/);
          expect(words.some((w) => w === '#' || /^#/.test(w)), `${name}: trailing comment in ${cmd}`).toBe(false);
          expect(words.some((w) => /^<[^>]*>$|^<[a-z-]+/.test(w)), `${name}: placeholder in ${cmd}`).toBe(false);
        }
      }
    }
  });

  for (const shell of Object.keys(SHELLS) as (keyof typeof SHELLS)[]) {
    it.skipIf(shell === 'zsh' && !hasZsh && !process.env.CI)(`${shell}: every fix, and every plan in one go, runs with every argument filled`, () => {
      let commands = 0;
      for (const { name, report } of corpus) {
        const runs = [...fixesOf(report).map((f) => shellCli(f)), shellCli({ summary: 'plan', cli: report.plan.cli })].filter((l) => l.length);
        // The same lines paste the same way: each once (a fleet's instances often carry the same fix).
        const distinct = [...new Map(runs.map((lines) => [lines.join('\n'), lines])).values()];
        for (const lines of distinct) {
          const { errors, calls } = paste(shell, lines);
          expect(errors, `${name} in ${shell}:\n${lines.join('\n')}`).toEqual([]);
          commands += lines.length;
          for (const call of calls) {
            const where = `${name} in ${shell}: ${call.join(' ')}`;
            expect(call.slice(1).every((a) => a !== ''), `empty argument: ${where}`).toBe(true);
            // IAM policy variables (`${aws:username}` in a policy document) are meant to reach AWS as written.
            expect(call.some((a) => a.replace(/\$\{aws:[A-Za-z]+\}/g, '').includes('$')), `unexpanded variable: ${where}`).toBe(false);
          }
          // Every command the lines start was called (the stand-ins record them all).
          expect(calls.length, `${name} in ${shell}: ${lines.join('\n')}`).toBeGreaterThanOrEqual(lines.filter((l) => /^(aws|[A-Z_][A-Za-z_0-9]*=\$\(aws) /.test(l)).length);
        }
      }
      expect(commands).toBeGreaterThan(100);
    });
  }
});
