import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { buildReport, type Report } from '../../src/report/model.js';
import { displayWidth, fitList, terminalSafe, truncate } from '../../src/report/table.js';
import { renderText } from '../../src/report/text.js';
import { shellLines, shellWords, wrap } from '../../src/report/wrap.js';
import { brokenFleet } from '../fixtures/broken-fleet.js';
import { denied, IID, VPC, world } from '../fixtures/world.js';
import { EXAMPLES, fleetReport, reportOf, TOOL } from './helpers.js';

const ANSI = /\u001b\[[0-9;]*m/g;
const plain = (r: Report, opts: { verbose?: boolean; width?: number } = {}) => renderText(r, { color: false, ...opts });

/** Commands as printed (continuation lines joined), each a line that starts a command in the report. */
function printedCommands(out: string): string[] {
  const lines = out.split('\n');
  const cmds: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (!/^(aws |[A-Z_][A-Za-z_0-9]*=\$\(aws |sudo |npx ssm-doctor |for r in |for attempt in |if command|session-manager-plugin |Restart-Service )/.test(l)) continue;
    let cmd = l;
    while (cmd.endsWith(' \\') && i + 1 < lines.length) cmd = `${cmd.slice(0, -2)} ${lines[++i]!.trim()}`;
    cmds.push(cmd);
  }
  return cmds;
}

/**
 * Lines wider than the width must be one unbreakable word (a quoted JSON document, a URL) after the indent; the
 * Terraform section's code lines stay whole too (they paste as they are; its comments wrap).
 */
function overflowing(out: string, width: number): string[] {
  const lines = out.split('\n');
  const tf = lines.findIndex((l) => l.startsWith('Terraform'));
  const end = tf < 0 ? -1 : lines.findIndex((l, i) => i > tf && l !== '' && !l.startsWith(' '));
  return lines.filter(
    (l, i) => !(tf >= 0 && i > tf && (end < 0 || i < end) && !l.trim().startsWith('#')) && displayWidth(l) > width && shellWords(l.trim().replace(/ \\$/, '')).length > 1,
  );
}

/** The plan section (every line after the last "Plan" heading), whitespace removed: wrapping may cut a long id. */
function planOf(out: string): string {
  const lines = out.trimEnd().split('\n');
  return lines.slice(lines.lastIndexOf('Plan') + 1).join('\n');
}
const squeeze = (s: string) => s.replace(/\s+/g, '');

/** Every action of every step's fix is in the plan, in whole sentences (links aside), and no parenthesis is left open. */
function expectWholePlan(r: Report, out: string): void {
  const plan = planOf(out);
  for (const step of r.plan.steps) expect(squeeze(plan), step.summary).toContain(squeeze(step.summary.replace(/ \(https?:\/\/[^)\s]*\)/g, '')));
  let depth = 0;
  for (const ch of plan) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth, 'parentheses balanced').toBe(0);
}

describe('renderText, one target', () => {
  it.each(EXAMPLES)('%s: fits 80 columns, each command printed once, no colour escapes', (name) => {
    const out = plain(reportOf(name));
    expect(overflowing(out, 80)).toEqual([]);
    const cmds = printedCommands(out);
    expect(cmds.length, 'commands printed').toBe(new Set(cmds).size);
    expect(out).not.toMatch(ANSI);
  });

  it.each(EXAMPLES.filter((n) => n !== 'healthy' && n !== 'transit-gateway-route'))(
    '%s: the first 24 lines say what is wrong and the command; the report ends with the plan',
    (name) => {
      const r = reportOf(name);
      const out = plain(r);
      const lines = out.split('\n');
      const first = lines.slice(0, 24).join('\n');
      const cause = r.targets[0]!.diagnosis.causes[0]!;
      expect(first).toContain('NOT READY');
      expect(first).toContain(' 1. ✖ ');
      expect(first.replace(/\s+/g, ' ')).toContain(wrap(cause.summary, 1000)[0]!.slice(0, 40));
      // The first command printed is the cause's first command (or the first to run on the instance, for a fix that
      // has only those), within the first screen.
      const firstCmd = printedCommands(first)[0];
      expect(firstCmd, `${name}: a command in the first 24 lines`).toBeDefined();
      expect(firstCmd).toBe(cause.fix!.cli[0] ?? cause.fix!.onInstance?.[0]);
      // Not a reboot, unless the diagnosis is one: the restart itself, or a finding whose fix restarts the agent
      // (an impaired instance, a fix the agent has not retried since).
      const restarts = cause.id.startsWith('agent.restart:') || allChecks.find((c) => c.meta.id === cause.checks[0])?.meta.fixRestartsAgent;
      if (!restarts) expect(firstCmd).not.toContain('reboot-instances');
      // The end is the plan, not the last check's advice.
      const tail = lines.slice(lines.lastIndexOf('Plan')).join('\n');
      expect(tail).toMatch(/^Plan\n {2}1\. /);
      expect(tail.replace(/\s+/g, ' ')).toContain('(fix 1)');
      expect(out.trimEnd().split('\n').at(-1)).toMatch(/^ {2}(\d+\. | {3})/);
    },
  );

  it.each(EXAMPLES.filter((n) => n !== 'healthy' && n !== 'transit-gateway-route'))('%s: the plan has every action of every fix, in whole sentences', (name) => {
    const r = reportOf(name);
    expectWholePlan(r, plain(r));
  });

  it('the plan keeps what the first sentence of a fix leaves out: a second change, the rest after a colon', () => {
    const plan = (name: string) => planOf(plain(reportOf(name))).replace(/\s+/g, ' ');
    expect(plan('console-disk-full')).toContain('or grow its root EBS volume (aws ec2 modify-volume, then growpart and xfs_growfs or resize2fs); then restart the agent.');
    expect(plan('deleted-logging-bucket')).toContain('Allow outbound TCP 443 from sg-0ec2ec2ec2ec2ec20 to the s3 prefix list');
    expect(plan('kms-without-decrypt')).toContain('Create an interface endpoint for com.amazonaws.us-east-1.kms in vpc-0a1b2c3d4e5f60718');
  });

  it('a plan step never breaks its "(fix N)" reference across lines, and prints no no-break space', () => {
    for (const name of EXAMPLES) {
      for (const width of [50, 64, 80, 100]) {
        const out = plain(reportOf(name), { width });
        expect(out, `${name} at ${width}`).not.toMatch(/\(fix\n/);
        expect(out).not.toContain('\u00a0');
      }
    }
  });

  it('healthy: says so at once, then the evidence; no plan', () => {
    const out = plain(reportOf('healthy'));
    expect(out.split('\n')[4]).toBe('OK: nothing blocks a session.');
    expect(out).not.toContain('Plan');
    expect(out).toContain('Evidence');
  });

  it('a consequence is folded under its cause: named, not fixed again', () => {
    const out = plain(reportOf('no-instance-profile'));
    expect(out).toContain('Explains: agent.ping, session.connection');
    expect(out).toMatch(/\[agent\.ping\] — explained by 1/);
    expect(out).toMatch(/\[iam\.instance-profile\] — cause 1/);
    // The agent's install script (agent.ping's own fix) is not printed ahead of, or instead of, the real cause.
    expect(out).not.toContain('snap install');
  });

  it('agent offline with the right configuration: the restart is the one cause', () => {
    const out = plain(reportOf('agent-offline-config-ok'));
    expect(out).toContain('NOT READY: 1 cause to fix.');
    expect(out.replace(/\s+/g, ' ')).toContain('The configuration is right and CloudTrail shows no late fix, but the SSM Agent is not online');
    expect(printedCommands(out)[0]).toBe(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
  });

  it('agent offline, CloudTrail shows no late fix: the headline does not offer one the fix below rules out', () => {
    const out = plain(reportOf('agent-offline-config-ok')).replace(/\s+/g, ' ');
    expect(out).toContain('so a late fix does not explain the offline agent');
    expect(out).not.toMatch(/backed off after a late fix/);
  });

  it('an impaired instance: the console check does not send the reader to the passing iam and network checks', () => {
    const r = reportOf('instance-impaired');
    const out = plain(r, { verbose: true }).replace(/\s+/g, ' ');
    const console_ = r.targets[0]!.checks.find((x) => x.id === 'agent.console')!;
    expect(console_.status).toBe('pass');
    expect(console_.detail).not.toMatch(/iam\.\*|credentials or its network path \(/);
    expect(console_.detail).toMatch(/instance status check fails \(instance\.health\)/);
    // The cause promises nothing the report does not show without --verbose.
    expect(plain(r)).not.toMatch(/agent\.console quotes/);
    expect(out).not.toMatch(/agent\.console quotes|\(agent\.console\) says why/);
  });

  it('no sentence said twice, no key ARN repeated, no doubled "nowhere (nowhere"', () => {
    const logging = reportOf('deleted-logging-bucket').targets[0]!.checks.find((x) => x.id === 'session.logging')!;
    expect(logging.detail.match(/before (every|each) session/g)).toHaveLength(1);
    const kms = reportOf('kms-without-decrypt');
    const key = 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const cause = kms.targets[0]!.diagnosis.causes[0]!;
    expect(cause.summary.split(key)).toHaveLength(2);
    const detail = kms.targets[0]!.checks.find((x) => x.id === 'session.kms-key')!.detail;
    expect(detail.split(key)).toHaveLength(2);
    expect(detail).toContain('the subnet has no other way out: rtb-0main has no default route 0.0.0.0/0.');
    expect(detail).not.toContain('nowhere (');
    expect(detail).toContain('The key is Enabled and a symmetric encryption key. Its key policy delegates kms:GenerateDataKey');
  });

  it('the hybrid activation warning says what to run in sentences that parse', () => {
    const out = plain(reportOf('hybrid-activation-expired')).replace(/\s+/g, ' ');
    expect(out).toContain(
      'Create a new activation (valid up to 30 days) and register the node again with it: on the node, set ACTIVATION_ID and ' +
        'ACTIVATION_CODE to the two values create-activation prints, then stop the agent, register the node and start the agent again.',
    );
    expect(out).not.toContain('the agent stopped meanwhile');
  });

  it('warnings are counted the same at the top and at the end; a warning cause is labelled as what it is', () => {
    const out = plain(reportOf('transit-gateway-route'));
    const top = /OK with (\d+) warnings?/.exec(out)![1];
    const end = /^OK {2}(\d+) warnings?/m.exec(out)![1];
    expect(top).toBe(end);
    // A warning that is not a cause folds nothing: network.route is a warning of its own.
    expect(out).not.toContain('Explains: network.route');
    const gated = plain(reportOf('transit-gateway-route', { failOn: 'warn' }));
    expect(gated).not.toContain('(cannot be proven from here)');
    expect(gated).toMatch(/ 1\. ⚠ \(warning\) 3\.2\.2303\.0 is not the latest SSM Agent release\./);
  });

  it('after a cause that took the agent offline, the restart is a later step, never the first', () => {
    const out = plain(reportOf('no-instance-profile'));
    const lines = out.split('\n');
    const afterwards = lines.findIndex((l) => l.includes('Then:'));
    const reboot = lines.findIndex((l) => l.includes('reboot-instances'));
    const create = lines.findIndex((l) => l.includes('associate-iam-instance-profile'));
    expect(create).toBeGreaterThan(0);
    expect(afterwards).toBeGreaterThan(create);
    expect(reboot).toBeGreaterThan(afterwards);
    expect(out.replace(/\s+/g, ' ')).toMatch(
      / 2\. If i-0123456789abcdef0 is not Online 10 minutes after the fixes, restart its SSM Agent or reboot it: the agent retries its credentials about every 30 minutes, and notices the fixes only then\. \(then\)/,
    );
  });

  it('endpoints as the path: what they cost, one ℹ line under Network with --verbose', () => {
    expect(plain(reportOf('healthy'))).not.toContain('ℹ');
    const out = plain(reportOf('healthy'), { verbose: true });
    expect(out.match(/ℹ/g)).toHaveLength(1);
    expect(out).toContain('ℹ 3 interface endpoints × 1 AZ ≈ $21.90/month');
    expect(plain(reportOf('transit-gateway-route'))).not.toContain('ℹ');
  });

  it('a denied read: an error cause and "Permissions to add"', () => {
    const facts = world((f) => {
      f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') };
      f.connections[IID] = { ok: false, error: denied('ssm:GetConnectionStatus', 'AccessDeniedException') };
    });
    const out = plain(reportOf(facts));
    expect(out).toContain('NOT READY: ssm-doctor could not check everything (1 check could not decide).');
    // One cause for the one refused read, however many checks needed it.
    expect(out.match(/\(could not be checked\)/g)).toHaveLength(1);
    expect(out).toContain('Fix: Grant ec2:DescribeVpcEndpoints to the identity running ssm-doctor');
    expect(out).toMatch(/Permissions to add \(to the identity running ssm-doctor\):\s+ec2:DescribeVpcEndpoints,\s+ssm:GetConnectionStatus/);
  });

  it('the first line says when checks were left out and when warnings fail', () => {
    expect(plain(reportOf('healthy')).split('\n')[0]).toBe('ssm-doctor test · us-east-1 · snapshot taken 2026-11-29T10:00:00.000Z');
    const r = reportOf('healthy', { failOn: 'warn', omittedChecks: ['client.plugin', 'client.permissions'] });
    expect(plain(r, { width: 200 }).split('\n')[0]).toMatch(/ · 2 checks left out \(--only\/--skip\) · warnings fail$/);
  });

  it('Name tags cannot inject terminal escapes', () => {
    const r = reportOf('healthy');
    r.targets[0]!.instance!.name = 'evil\u001b[2J\u001b]0;title\u0007\u202e';
    expect(plain(r)).toContain('evil?[2J?]0;title??');
  });

  it('wraps to the width asked, with hanging indents', () => {
    const out = plain(reportOf('nacl-blocks-ephemeral'), { width: 60 });
    expect(overflowing(out, 60)).toEqual([]);
    const i = out.split('\n').findIndex((l) => l.startsWith(' 1. ✖ '));
    expect(out.split('\n')[i + 1]).toMatch(/^ {6}\S/);
  });

  it('colour only adds escapes', () => {
    for (const name of EXAMPLES) expect(renderText(reportOf(name), { color: true }).replace(ANSI, '')).toBe(plain(reportOf(name)));
  });
});

describe('renderText, several targets', () => {
  const fleet = () => buildReport(brokenFleet(), allChecks, { tool: TOOL, source: 'aws' });

  it('a 30-instance fleet with 9 kinds of problem: causes first, each fix once, at most 150 lines at 120 columns', () => {
    const r = fleet();
    expect(r.causes).toHaveLength(9);
    const out = plain(r, { width: 120 });
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(150);
    expect(lines[2]).toBe('30 instances: 0 ok, 30 not ready · 9 causes');
    expect(lines[4]).toBe('Causes, in the order to fix them');
    const cmds = printedCommands(out);
    expect(cmds.length).toBe(new Set(cmds).size);
    // Every cause's commands are printed (once).
    for (const c of r.causes) for (const cmd of c.fix?.cli ?? []) expect(cmds, cmd).toContain(cmd);
    // The operator's machine is one cause, said once, last.
    expect(out.match(/session-manager-plugin was not found/g)).toHaveLength(1);
    expect(r.causes.at(-1)!.id).toBe('client.plugin:this-machine');
    expect(overflowing(out, 120)).toEqual([]);
  });

  it('the plan has every action of every fix: a cause whose instances need two rules names both', () => {
    const r = fleet();
    const out = plain(r, { width: 120 });
    expectWholePlan(r, out);
    const two = r.causes.find((c) => c.id.startsWith('security-group.endpoint-ingress:'))!;
    const rules = two.fix!.cli.filter((c) => c.includes('authorize-security-group-ingress'));
    expect(rules).toHaveLength(2);
    const step = planOf(out).replace(/\s+/g, ' ');
    for (const cmd of rules) expect(step).toContain(/--source-group (sg-[0-9a-f]+)/.exec(cmd)![1]);
  });

  it('the instance table fits 80 columns and names each instance\'s causes by number', () => {
    const out = plain(fleet(), { width: 80 });
    const lines = out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('INSTANCE'));
    const table = lines.slice(head, head + 31);
    expect(table.every((l) => displayWidth(l) <= 80)).toBe(true);
    expect(table[0]).toMatch(/^INSTANCE {13}NAME {6}VERDICT {4}FINDINGS$/);
    expect(table.slice(1).every((l) => /^i-[0-9a-f]{17} {2}fleet-\d+ +NOT READY {2}#\d+(, #\d+)*$/.test(l))).toBe(true);
    expect(overflowing(out, 80)).toEqual([]);
  });

  it('--verbose adds each instance\'s evidence and the Terraform; the plan ends the report', () => {
    const r = fleet();
    const out = plain(r, { verbose: true, width: 120 });
    expect(out.match(/^i-[0-9a-f]{17} \(fleet-\d+\) · /gm)).toHaveLength(30);
    expect(out).toContain('Terraform (every fix above, each resource once)');
    const plan = planOf(out).replace(/\s+/g, ' ');
    expect(plan).toMatch(/ 10\. Restart the SSM Agent on, or reboot, those of the 16 instances still not Online 10 minutes after the fixes: .* \(then\)$/);
  });

  it('the fleet names the union of missing permissions once', () => {
    const denial = reportOf(world((f) => void (f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') })));
    const r = fleetReport(3, (n) => ['healthy', 'missing-ssmmessages-endpoint', 'transit-gateway-route'][n]!);
    r.targets[0] = { ...denial.targets[0]!, target: 'i-00000000000000000' };
    r.missingPermissions = ['ec2:DescribeVpcEndpoints'];
    const out = plain(r);
    expect(out.match(/Permissions to add/g)).toHaveLength(1);
  });

  it('500 targets stay readable: bounded lines and width, long names truncated, aligned with colour', () => {
    const longName = (n: number) => (n % 7 === 0 ? `a-very-long-name-tag-for-instance-number-${n}-in-the-batch-fleet` : `app-${n}`);
    const report = fleetReport(500, (n) => (n % 50 === 0 ? 'nacl-blocks-ephemeral' : n % 10 === 0 ? 'transit-gateway-route' : 'healthy'), longName);
    const out = plain(report);
    const lines = out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('INSTANCE'));
    const table = lines.slice(head, head + 501);
    expect(table.every((l) => displayWidth(l) <= 80)).toBe(true);
    expect(table.slice(1).every((l) => /^i-[0-9a-f]{17} {2}/.test(l))).toBe(true);
    const col = table[0]!.indexOf('VERDICT');
    expect(table.slice(1).every((l) => /^(OK|WARN|NOT READY)/.test(l.slice(col)))).toBe(true);
    expect(lines.length).toBeLessThan(600);
    expect(renderText(report, { color: true }).replace(ANSI, '')).toBe(out);
  });
});

describe('wrapping', () => {
  it('wrap: words to the width, a hanging indent, long words cut after a separator', () => {
    expect(wrap('aaa bbb ccc ddd', 9, '', '  ')).toEqual(['aaa bbb', '  ccc ddd']);
    expect(wrap(`x arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c`, 30, '', '')).toEqual(['x', 'arn:aws:kms:us-east-1:', '111122223333:key/0f1e2d3c']);
  });

  it('shellLines: breaks before options with a backslash; the joined lines are the command', () => {
    const cmd = 'aws ec2 create-vpc-endpoint --vpc-id vpc-1 --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.ssm --region us-east-1';
    const lines = shellLines(cmd, 50, '  ');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => l.endsWith(' \\'))).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('      --'))).toBe(true);
    expect(lines.map((l) => l.replace(/ \\$/, '').trim()).join(' ')).toBe(cmd);
    // Quoted strings are never split.
    expect(shellWords(`a --b '{"x": 1}' --c "d e"`)).toEqual(['a', '--b', `'{"x": 1}'`, '--c', '"d e"']);
  });
});

describe('table helpers', () => {
  it('truncate, fitList, displayWidth, terminalSafe', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(displayWidth('日本語')).toBe(6);
    expect(truncate('日本語テキスト', 7)).toBe('日本語…');
    expect(displayWidth('é')).toBe(1);
    expect(fitList(['aaaa', 'bbbb', 'cccc'], 100)).toBe('aaaa, bbbb, cccc');
    expect(fitList(['aaaa', 'bbbb', 'cccc', 'dddd'], 18)).toBe('aaaa, bbbb +2 more');
    expect(fitList(['aaaa', 'bbbb', 'cccc'], 12)).toBe('aaaa +2 more');
    expect(fitList(['aaaaaaaaaaaa', 'b'], 10).length).toBeLessThanOrEqual(10);
    expect(terminalSafe('a\u001bb\u009bc\nd')).toBe('a?b?c?d');
    // The longest prefix that fits with its "+N more", as trying every prefix from the longest would give.
    const reference = (items: string[], width: number) => {
      if (displayWidth(items.join(', ')) <= width) return items.join(', ');
      for (let n = items.length - 1; n >= 1; n--) {
        const s = `${items.slice(0, n).join(', ')} +${items.length - n} more`;
        if (displayWidth(s) <= width) return s;
      }
      return undefined;
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 300; k++) {
      const items = Array.from({ length: 1 + rnd(12) }, () => (rnd(4) === 0 ? '日本' : 'i-0abc').repeat(1 + rnd(3)));
      const width = 5 + rnd(60);
      const want = reference(items, width);
      if (want !== undefined) expect(fitList(items, width)).toBe(want);
    }
    // A cause of many instances costs what is shown, not the whole list.
    const many = Array.from({ length: 200_000 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    expect(fitList(many, 60)).toMatch(/^i-0{17}, i-0{16}1 \+199998 more$/);
  });
});
