import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { ANNOTATION_MESSAGE_MAX, ANNOTATIONS_PER_KIND, escapeData, fitMessage, escapeProperty, mdText, renderGithub, renderGithubSummary, SUMMARY_BUDGET, withinLimits } from '../../src/report/github.js';
import { buildReport } from '../../src/report/model.js';
import { brokenFleet } from '../fixtures/broken-fleet.js';
import type { Report } from '../../src/report/model.js';
import { denied, VPC, world } from '../fixtures/world.js';
import { EXAMPLES, fleetReport, reportOf, TOOL } from './helpers.js';

/** Parses `::kind key=value,...::message` back (GitHub's decoding). */
function parseCommand(line: string): { kind: string; props: Record<string, string>; message: string } {
  const m = /^::([a-z]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const unData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const unProp = (s: string) => unData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));
  const props = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), unProp(kv.slice(kv.indexOf('=') + 1))]));
  return { kind: m[1]!, props, message: unData(m[3]!) };
}

const commands = (out: string) => out.split('\n').filter((l) => l.startsWith('::')).map(parseCommand);

describe('renderGithub (workflow commands)', () => {
  it('escapes data and properties per the workflow command rules', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a: b, c%\n')).toBe('a%3A b%2C c%25%0A');
    expect(escapeData('%0A')).toBe('%250A');
    expect(escapeData('\u001b[31mred\u0007')).toBe('?[31mred?');
  });

  it.each(EXAMPLES)('%s: one annotation per cause (its fix inside), every line a single command or plain text', (name) => {
    const report = reportOf(name);
    const out = renderGithub(report);
    const errors = commands(out).filter((c) => c.kind === 'error');
    const blocking = report.causes.filter((c) => c.status !== 'warn');
    expect(errors).toHaveLength(blocking.length);
    blocking.forEach((c, i) => {
      expect(errors[i]!.props.title).toContain(c.summary.slice(0, 60));
      const t = report.targets[0]!;
      expect(errors[i]!.message).toContain(`Instance: ${t.target}${t.instance?.name ? ` (${t.instance.name})` : ''}`);
      for (const cmd of c.fix?.cli ?? []) expect(errors[i]!.message).toContain(`$ ${cmd}`);
    });
    // Consequences are not annotated on their own.
    expect(out).not.toMatch(/title=ssm-doctor%3A session.connection/);
    expect(out).toContain('VERDICT');
  });

  it('warnings that are no cause: one annotation per check, across instances', () => {
    const cmds = commands(renderGithub(fleetReport(3, () => 'transit-gateway-route')));
    const warnings = cmds.filter((c) => c.kind === 'warning');
    // network.route's warning follows from ec2messages' but neither is a cause (nothing fails): both are warnings.
    expect(warnings.map((w) => w.props.title)).toEqual([
      'ssm-doctor: agent.version warning',
      'ssm-doctor: network.route warning',
      'ssm-doctor: vpc-endpoint.ec2messages warning',
    ]);
    expect(warnings[0]!.message).toContain('3 instances: i-00000000000000000 (app-0), i-00000000000000001 (app-1), i-00000000000000002 (app-2)');
  });

  it('a warning across instances: its fix covers every instance it names (the fixes merged, each command once)', () => {
    const report = fleetReport(4, () => 'transit-gateway-route');
    for (const t of report.targets) {
      const r = t.checks.find((c) => c.id === 'agent.version')!;
      r.fix = { summary: `Update the SSM Agent on ${t.target}.`, cli: [`aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${t.target}`] };
    }
    const w = commands(renderGithub(report)).find((c) => c.props.title === 'ssm-doctor: agent.version warning')!;
    expect(w.message).toContain('4 instances: ');
    for (const t of report.targets) expect(w.message).toContain(`$ aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${t.target}`);
    expect(w.message).toContain('Fix: Update the SSM Agent on i-00000000000000000. The commands make 3 more changes like it.');
    // The same fix for all: once.
    const same = commands(renderGithub(fleetReport(3, () => 'transit-gateway-route'))).find((c) => c.props.title === 'ssm-doctor: agent.version warning')!;
    const fix = reportOf('transit-gateway-route').targets[0]!.checks.find((c) => c.id === 'agent.version')!.fix!;
    expect(fix.cli.length).toBeGreaterThan(0);
    expect(same.message.split('\n').filter((l) => l.startsWith('$ '))).toEqual(fix.cli.map((c) => `$ ${c}`));
  });

  it('a 30-instance fleet: one error per cause naming its instances, never past 10 per kind without saying so', () => {
    const report = buildReport(brokenFleet(), allChecks, { tool: TOOL, source: 'aws' });
    const cmds = commands(renderGithub(report));
    const errors = cmds.filter((c) => c.kind === 'error');
    expect(errors).toHaveLength(9);
    expect(errors[0]!.message).toMatch(/10 instances: i-\S+ \(fleet-0\), .* \+5 more/);
    for (const kind of ['error', 'warning', 'notice']) expect(cmds.filter((c) => c.kind === kind).length).toBeLessThanOrEqual(ANNOTATIONS_PER_KIND);
    expect(cmds.filter((c) => c.kind === 'notice')).toHaveLength(1);
  });

  it('more than 10 causes: 9 annotations, the 10th says how many more and where to read them', () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ kind: 'error' as const, title: `ssm-doctor: cause ${i + 1}`, message: 'm' }));
    const kept = withinLimits([...many, { kind: 'warning', title: 'w', message: 'w' }]);
    const errors = kept.filter((a) => a.kind === 'error');
    expect(errors).toHaveLength(10);
    expect(errors[9]!.title).toBe('ssm-doctor: 5 more causes');
    expect(errors[9]!.message).toContain('job summary');
    expect(errors[9]!.message).toContain(':\n- cause 10\n- cause 11\n- cause 12\n- cause 13\n- cause 14');
    expect(kept.filter((a) => a.kind === 'warning')).toHaveLength(1);
  });

  it('no message past the runner\'s 4096 characters (escaped or not): whole lines, then how many more and where', () => {
    const report = reportOf('no-instance-profile');
    const cli = Array.from({ length: 60 }, (_, n) => `for attempt in $(seq 6); do aws ec2 associate-iam-instance-profile --instance-id i-${n.toString(16).padStart(17, '0')} --iam-instance-profile Name=ssm-profile --region us-east-1 && break; sleep 10; done`);
    report.causes[0]!.fix = { summary: 'Associate the profile: 100% of them.', cli };
    // 60 more causes than GitHub shows, each with a long title: the last annotation lists them one a line.
    for (let i = 0; i < 60; i++) report.causes.push({ ...report.causes[0]!, id: `x:${i}`, summary: `${'a long summary '.repeat(15)}${i}` });
    const out = renderGithub(report);
    const lines = out.split('\n').filter((l) => l.startsWith('::'));
    for (const line of lines) expect(line.slice(line.indexOf('::', 2) + 2).length).toBeLessThan(ANNOTATION_MESSAGE_MAX);
    const cmds = commands(out);
    for (const c of cmds) expect(c.message.length).toBeLessThan(ANNOTATION_MESSAGE_MAX);
    const first = cmds[0]!.message.split('\n');
    expect(first.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2))).toEqual(cli.slice(0, first.filter((l) => l.startsWith('$ ')).length));
    expect(first.at(-1)).toMatch(/^… \d+ more lines: see the job summary/);
    const more = cmds.filter((c) => c.kind === 'error').at(-1)!;
    expect(more.props.title).toBe('ssm-doctor: 52 more causes');
    expect(more.message.split('\n').slice(1, -1).every((l) => /^- a long summary .* \d+$/.test(l))).toBe(true);
    expect(more.message.split('\n').at(-1)).toMatch(/^… \d+ more lines: see the job summary/);
    expect(fitMessage('short\nmessage')).toBe('short\nmessage');
  });

  it('--fail-on warn turns warnings into errors', () => {
    const cmds = commands(renderGithub(reportOf('transit-gateway-route', { failOn: 'warn' })));
    expect(cmds.length).toBeGreaterThan(0);
    expect(cmds.every((c) => c.kind === 'error')).toBe(true);
  });

  it('the restart cause is an error with the reboot command; after-the-fix advice a notice; missing permissions a warning', () => {
    expect(commands(renderGithub(reportOf('agent-offline-config-ok'))).some((c) => c.kind === 'error' && c.message.includes('reboot-instances'))).toBe(true);
    expect(commands(renderGithub(reportOf('no-instance-profile'))).some((c) => c.kind === 'notice' && c.props.title === 'ssm-doctor: then')).toBe(true);
    const r = reportOf(world((f) => void (f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') })));
    const perm = commands(renderGithub(r)).find((c) => c.props.title === 'ssm-doctor: permissions to add')!;
    expect(perm.message).toContain('ec2:DescribeVpcEndpoints');
  });

  it('hostile strings cannot start a second command or leak escapes: they round-trip', () => {
    const report = reportOf('missing-ssmmessages-endpoint');
    const t = report.targets[0]!;
    t.instance = { ...t.instance, name: 'x::error::pwned,title=y:z%0A' };
    const c = report.causes[0]!;
    c.summary = 'line1\n::set-output name=x::y\r\n100%';
    c.fix = { summary: 's', cli: ['echo a,b:c'] };
    const out = renderGithub(report);
    for (const line of out.split('\n')) if (line.includes('set-output')) expect(line.startsWith('::error title=')).toBe(true);
    const cmd = commands(out).find((x) => x.kind === 'error')!;
    expect(cmd.props.title).toBe('ssm-doctor: line1\n::set-output name=x::y\r\n100%');
    expect(cmd.message).toContain('Instance: i-0123456789abcdef0 (x::error::pwned,title=y:z%0A)\nFix: s\n$ echo a,b:c');
    expect(out).not.toContain('\r');
  });
});

describe('renderGithubSummary (job summary)', () => {
  // GitHub aborts the upload of a summary over 1 MiB of UTF-8 (1,048,576 bytes), whatever its length in characters.
  const MIB = 1024 * 1024;
  const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

  it('the causes first, each fix once, then every instance, the plan, and the evidence of those not OK', () => {
    const a = reportOf('missing-ssmmessages-endpoint');
    const h = reportOf('healthy');
    const report: Report = { ...a, ok: false, targets: [{ ...h.targets[0]!, target: 'i-0bbbbbbbbbbbbbbbb' }, a.targets[0]!] };
    const md = renderGithubSummary(report);
    const causes = md.indexOf('### Causes');
    const table = md.indexOf('| instance | Name | verdict | findings |');
    expect(causes).toBeGreaterThan(0);
    expect(table).toBeGreaterThan(causes);
    expect(md).toContain('| `i-0bbbbbbbbbbbbbbbb` | web-1 | ✅ OK |  |');
    expect(md).toContain('| `i-0123456789abcdef0` | web-1 | ❌ NOT READY | cause 1 |');
    expect(md).toContain('#### ❌ NOT READY `i-0123456789abcdef0` web-1');
    expect(md).not.toContain('#### ✅');
    const fix = a.causes[0]!.fix!;
    expect(md.split(`\`\`\`sh\n${fix.cli.join('\n')}\n\`\`\``)).toHaveLength(2);
    expect(md).toContain('<details><summary>Terraform</summary>');
    expect(md).toMatch(/### Plan\n\n1\. Fix 1: /);
    expect(md).toContain('— explained by 1');
  });

  it('an instance with warnings only gets its section too', () => {
    const md = renderGithubSummary(reportOf('transit-gateway-route'));
    expect(md).toContain('#### ⚠️ WARN `i-0123456789abcdef0` web-1');
    expect(md).toContain('(warning)');
    // A line starting with a version is not an ordered list, and shows no stray backslash (`\3.2` would).
    expect(md).toContain('3\\.2.2303.0 is not the latest SSM Agent release');
    expect(md).not.toContain('\\3.2.2303.0');
  });

  it('escapes Markdown and HTML in cells and paragraphs; fences outgrow backticks in code', () => {
    expect(mdText('<img src=x> | *b* _i_ `c` [l](u) & \\')).toBe('&lt;img src=x&gt; \\| \\*b\\* \\_i\\_ \\`c\\` \\[l\\](u) &amp; \\\\');
    const report = reportOf('missing-ssmmessages-endpoint');
    const t = report.targets[0]!;
    t.instance = { ...t.instance, name: 'a|b\n# heading <script>' };
    const c = t.checks.find((x) => x.id === 'vpc-endpoint.ssmmessages')!;
    c.detail = '# not a heading\n- not a list';
    report.causes[0]!.fix = { summary: 'x', cli: ['echo ```', 'echo ````'] };
    const md = renderGithubSummary(report);
    expect(md).not.toContain('<script>');
    expect(md).toContain('a\\|b # heading &lt;script&gt;');
    expect(md).toContain('\\# not a heading  \n\\- not a list');
    expect(md).toContain('`````sh\necho ```\necho ````\n`````');
  });

  it('500 failing targets stay under the job summary size limit', () => {
    const report = fleetReport(500, () => 'missing-ssmmessages-endpoint');
    const md = renderGithubSummary(report);
    expect(utf8(md)).toBeLessThanOrEqual(SUMMARY_BUDGET);
    expect(md.split('\n').filter((l) => l.startsWith('| `i-'))).toHaveLength(500);
    // One cause shared by the 500: its fix once.
    expect(md.match(/```sh\naws ec2 create-vpc-endpoint/g)).toHaveLength(1);
  });

  it('3000 instances with Japanese Name tags: under the limit in bytes, the instances left out counted', () => {
    const report = fleetReport(3000, (n) => (n % 2 ? 'missing-ssmmessages-endpoint' : 'transit-gateway-route'), (n) => `本番環境アプリケーションサーバー東京リージョン第${n}号機`);
    const md = renderGithubSummary(report);
    expect(utf8(md)).toBeLessThan(MIB);
    expect(utf8(md)).toBeLessThanOrEqual(SUMMARY_BUDGET);
    expect(md).toMatch(/^… and \d+ more instances not OK \(the job summary has a size limit: all of them are in the JSON report/m);
    expect(md).toContain('### Plan');
  });

  it('15000 instances: the table is cut too, saying how many rows are left out; causes and plan stay', () => {
    // Shallow copies of one instance (fleetReport's grouping is slow at this size).
    const one = reportOf('missing-ssmmessages-endpoint');
    const t = one.targets[0]!;
    const targets = Array.from({ length: 15_000 }, (_, n) => ({ ...t, target: `i-${n.toString(16).padStart(17, '0')}`, instance: { ...t.instance, name: `web-frontend-production-${n}` } }));
    const report: Report = { ...one, targets, causes: one.causes.map((c) => ({ ...c, targets: targets.map((x) => x.target) })) };
    const md = renderGithubSummary(report);
    expect(utf8(md)).toBeLessThan(MIB);
    expect(utf8(md)).toBeLessThanOrEqual(SUMMARY_BUDGET);
    const rows = md.split('\n').filter((l) => l.startsWith('| `i-')).length;
    expect(rows).toBeLessThan(15_000);
    expect(md).toContain(`\n\n… ${15_000 - rows} more instances (the job summary has a size limit: all of them are in the JSON report, --json-file or --format json).\n`);
    for (let i = 1; i <= report.causes.length; i++) expect(md).toMatch(new RegExp(`^\\*\\*${i}\\. `, 'm'));
    expect(md).toContain('### Plan');
  });

  it('a fix with a command per instance of a large fleet: its first commands whole, how many more, within the limit', () => {
    const report = reportOf('no-instance-profile');
    const cli = Array.from({ length: 20_000 }, (_, n) => `aws ec2 associate-iam-instance-profile --instance-id i-${n.toString(16).padStart(17, '0')} --iam-instance-profile Name=ssm-profile --region us-east-1`);
    report.causes[0]!.fix = { summary: 'Associate the profile.', cli, terraform: 'resource "x" "y" {}\n' };
    const md = renderGithubSummary(report);
    expect(utf8(md)).toBeLessThan(MIB);
    const block = /```sh\n([^`]*)\n```/.exec(md)![1]!.split('\n');
    expect(block).toEqual(cli.slice(0, block.length));
    expect(md).toContain(`… ${cli.length - block.length} more commands (the job summary has a size limit`);
    expect(md).toContain('Terraform: left out');
  });
});
