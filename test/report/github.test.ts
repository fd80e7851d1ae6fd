import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, mdText, renderGithub, renderGithubSummary, SUMMARY_BUDGET } from '../../src/report/github.js';
import type { Report } from '../../src/report/model.js';
import { denied, VPC, world } from '../fixtures/world.js';
import { EXAMPLES, fleetReport, reportOf } from './helpers.js';

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

  it.each(EXAMPLES)('%s: one annotation per fail/error/warn, every line a single command or plain text', (name) => {
    const report = reportOf(name);
    const out = renderGithub(report);
    const t = report.targets[0]!;
    const findings = t.checks.filter((c) => c.status === 'fail' || c.status === 'error' || c.status === 'warn');
    const cmds = commands(out).filter((c) => c.kind !== 'notice');
    expect(cmds).toHaveLength(findings.length);
    findings.forEach((f, i) => {
      expect(cmds[i]!.kind).toBe(f.status === 'warn' ? 'warning' : 'error');
      expect(cmds[i]!.props.title).toContain(f.id);
      expect(cmds[i]!.props.title).toContain(t.target);
      expect(cmds[i]!.message.startsWith(f.detail)).toBe(true);
      if (f.fix) for (const cmd of f.fix.cli) expect(cmds[i]!.message).toContain(cmd);
    });
    expect(out).toContain('VERDICT');
  });

  it('--fail-on warn turns warnings into errors', () => {
    const cmds = commands(renderGithub(reportOf('transit-gateway-route', { failOn: 'warn' })));
    expect(cmds.length).toBeGreaterThan(0);
    expect(cmds.every((c) => c.kind === 'error')).toBe(true);
  });

  it('a suggested reboot is a notice; missing permissions a warning naming the actions', () => {
    expect(commands(renderGithub(reportOf('agent-offline-config-ok'))).some((c) => c.kind === 'notice' && c.message.includes('reboot-instances'))).toBe(true);
    const r = reportOf(world((f) => void (f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') })));
    const perm = commands(renderGithub(r)).find((c) => c.props.title === 'ssm-doctor: permissions to add')!;
    expect(perm.message).toContain('ec2:DescribeVpcEndpoints');
  });

  it('hostile strings cannot start a second command or leak escapes: they round-trip', () => {
    const report = reportOf('missing-ssmmessages-endpoint');
    const t = report.targets[0]!;
    t.instance = { ...t.instance, name: 'x::error::pwned,title=y:z%0A' };
    const c = t.checks.find((x) => x.status === 'fail')!;
    c.detail = 'line1\n::set-output name=x::y\r\n100%';
    c.fix = { summary: 's', cli: ['echo a,b:c'] };
    const out = renderGithub(report);
    for (const line of out.split('\n')) if (line.includes('set-output')) expect(line.startsWith(`::error title=`)).toBe(true);
    const cmd = commands(out).find((x) => x.props.title?.includes(c.id))!;
    expect(cmd.props.title).toBe(`ssm-doctor ${t.target} (x::error::pwned,title=y:z%0A): ${c.id} failed`);
    expect(cmd.message).toBe('line1\n::set-output name=x::y\r\n100%\nFix: s\n$ echo a,b:c');
    expect(out).not.toContain('\r');
  });
});

describe('renderGithubSummary (job summary)', () => {
  it('a table of every target, then per failing target the failures with fixes in sh blocks', () => {
    const a = reportOf('missing-ssmmessages-endpoint');
    const h = reportOf('healthy');
    const report: Report = { ...a, ok: false, targets: [{ ...h.targets[0]!, target: 'i-0bbbbbbbbbbbbbbbb' }, a.targets[0]!] };
    const md = renderGithubSummary(report);
    expect(md).toContain('| instance | Name | verdict | failing checks |');
    expect(md).toContain('| `i-0bbbbbbbbbbbbbbbb` | web-1 | ✅ OK |  |');
    expect(md).toMatch(/\| `i-0123456789abcdef0` \| web-1 \| ❌ NOT READY \| `agent.ping`, `network.route`, `vpc-endpoint.ssmmessages`/);
    expect(md).toContain('### ❌ NOT READY `i-0123456789abcdef0` web-1');
    expect(md).not.toContain('### ✅');
    const fix = a.targets[0]!.checks.find((c) => c.id === 'vpc-endpoint.ssmmessages')!.fix!;
    expect(md).toContain(`\`\`\`sh\n${fix.cli.join('\n')}\n\`\`\``);
    expect(md).toContain('<details><summary>Terraform</summary>');
    expect(md).toContain('```hcl\n');
  });

  it('escapes Markdown and HTML in cells and paragraphs; fences outgrow backticks in code', () => {
    expect(mdText('<img src=x> | *b* _i_ `c` [l](u) & \\')).toBe('&lt;img src=x&gt; \\| \\*b\\* \\_i\\_ \\`c\\` \\[l\\](u) &amp; \\\\');
    const report = reportOf('missing-ssmmessages-endpoint');
    const t = report.targets[0]!;
    t.instance = { ...t.instance, name: 'a|b\n# heading <script>' };
    const c = t.checks.find((x) => x.id === 'vpc-endpoint.ssmmessages')!;
    c.detail = '# not a heading\n- not a list';
    c.fix = { summary: 'x', cli: ['echo ```', 'echo ````'] };
    const md = renderGithubSummary(report);
    expect(md).not.toContain('<script>');
    expect(md).toContain('a\\|b # heading &lt;script&gt;');
    expect(md).toContain('\\# not a heading  \n\\- not a list');
    expect(md).toContain('`````sh\necho ```\necho ````\n`````');
  });

  it('500 failing targets stay under the job summary size limit', () => {
    const report = fleetReport(500, () => 'missing-ssmmessages-endpoint');
    const md = renderGithubSummary(report);
    expect(md.length).toBeLessThan(1024 * 1024);
    expect(md.length).toBeLessThanOrEqual(SUMMARY_BUDGET + 10_000);
    expect(md.split('\n').filter((l) => l.startsWith('| `i-'))).toHaveLength(500);
    expect(md).toMatch(/… and \d+ more not-ready instances/);
  });

  it('a fix already shown for an earlier instance is named, not repeated', () => {
    const md = renderGithubSummary(fleetReport(3, () => 'missing-ssmmessages-endpoint'));
    expect(md.match(/```sh\naws ec2 create-vpc-endpoint/g)).toHaveLength(1);
    expect(md).toContain('(commands as for `i-00000000000000000` above)');
  });
});
