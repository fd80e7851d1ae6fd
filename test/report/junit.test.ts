import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/check/kit.js';
import { renderJunit, xmlAttr, xmlChars, xmlText } from '../../src/report/junit.js';
import type { Report } from '../../src/report/model.js';
import { denied, VPC, world } from '../fixtures/world.js';
import { all, EXAMPLES, parseXml, reportOf } from './helpers.js';

const suites = (xml: string) => all(parseXml(xml), 'testsuite');
const testcases = (xml: string) => all(parseXml(xml), 'testcase');
const caseOf = (xml: string, id: string) => testcases(xml).find((t) => t.attrs.name!.startsWith(`${id}: `))!;

describe('renderJunit', () => {
  it.each(EXAMPLES)('%s: well-formed, one testsuite per target, one testcase per check, counts in attributes', (name) => {
    const report = reportOf(name);
    const xml = renderJunit(report);
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const [suite, ...rest] = suites(xml);
    expect(rest).toHaveLength(0);
    const t = report.targets[0]!;
    // A hybrid node (mi-) has no EC2 instance, so no Name tag.
    const who = t.instance?.name ? `${t.target} (${t.instance.name})` : t.target;
    expect(suite!.attrs.name).toBe(who);
    const cases = all(suite!, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(t.checks.map((c) => `${c.id}: ${c.title}`));
    // Each case names its instance (id and Name tag): CI test views show which instance failed.
    expect(cases.map((c) => c.attrs.classname)).toEqual(t.checks.map((c) => `${who}.${c.group}`));
    const n = (s: CheckResult['status']) => t.checks.filter((c) => c.status === s).length;
    expect(suite!.attrs).toMatchObject({
      tests: String(t.checks.length),
      failures: String(n('fail')),
      errors: String(n('error')),
      skipped: String(n('skip')),
    });
    expect(root.attrs).toMatchObject({ tests: suite!.attrs.tests, failures: suite!.attrs.failures, errors: suite!.attrs.errors });
    expect(all(suite!, 'failure')).toHaveLength(n('fail'));
    expect(all(suite!, 'skipped')).toHaveLength(n('skip'));
    expect(suite!.attrs.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('a failure carries the detail as message and the fix (CLI lines and Terraform) in its body', () => {
    const report = reportOf('missing-ssmmessages-endpoint');
    const check = report.targets[0]!.checks.find((c) => c.id === 'vpc-endpoint.ssmmessages')!;
    const tc = caseOf(renderJunit(report), 'vpc-endpoint.ssmmessages');
    const [failure] = all(tc, 'failure');
    expect(failure!.attrs.message).toBe(check.detail);
    expect(failure!.attrs.type).toBe('fail');
    expect(failure!.text).toContain(check.detail);
    expect(failure!.text).toContain(`Fix: ${check.fix!.summary}`);
    for (const cmd of check.fix!.cli) expect(failure!.text).toContain(cmd);
    expect(failure!.text).toContain('Terraform:');
    expect(failure!.text).toContain(check.fix!.terraform!);
  });

  it('a warning passes with its detail in <system-out>; with --fail-on warn it is a failure', () => {
    const warnOnly = reportOf('transit-gateway-route');
    const xml = renderJunit(warnOnly);
    const tc = caseOf(xml, 'network.route');
    expect(all(tc, 'failure')).toHaveLength(0);
    expect(all(tc, 'system-out')[0]!.text).toMatch(/^warning: From subnet-/);
    expect(parseXml(xml).attrs.failures).toBe('0');

    const gated = reportOf('transit-gateway-route', { failOn: 'warn' });
    const xml2 = renderJunit(gated);
    const warns = gated.targets[0]!.checks.filter((c) => c.status === 'warn').length;
    expect(warns).toBeGreaterThan(0);
    expect(all(caseOf(xml2, 'network.route'), 'failure')[0]!.attrs.type).toBe('warn');
    expect(parseXml(xml2).attrs.failures).toBe(String(warns));
  });

  it('a check that could not read its facts is an <error>; the suite names the permissions to add', () => {
    const facts = world((f) => {
      f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') };
    });
    const report = reportOf(facts);
    const xml = renderJunit(report);
    const errors = all(parseXml(xml), 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.attrs.message).toContain('ec2:DescribeVpcEndpoints');
    expect(suites(xml)[0]!.attrs.errors).toBe(String(errors.length));
    const out = all(suites(xml)[0]!, 'system-out').map((e) => e.text).join('\n');
    expect(out).toContain('Permissions to add (to the identity running ssm-doctor): ec2:DescribeVpcEndpoints');
  });

  it('the diagnosis is written to the suite <system-out>; the restart cause carries the reboot', () => {
    const xml = renderJunit(reportOf('agent-offline-config-ok'));
    const suite = suites(xml)[0]!;
    const out = suite.children.filter((c) => c.name === 'system-out').map((e) => e.text).join('\n');
    expect(out).toContain('Diagnosis: fix in this order\n1. The configuration is right and CloudTrail shows no late fix, but the SSM Agent is not online');
    expect(all(caseOf(xml, 'agent.ping'), 'failure')[0]!.text).toContain('aws ec2 reboot-instances');
  });

  it('a consequence names its cause instead of repeating a fix', () => {
    const xml = renderJunit(reportOf('no-instance-profile'));
    const text = all(caseOf(xml, 'session.connection'), 'failure')[0]!.text;
    expect(text).toContain('Explained by: No instance profile, and Default Host Management Configuration is off');
    expect(text).not.toContain('Fix:');
  });

  describe('escaping', () => {
    const HOSTILE = `<b>&amp; "quoted" 'single' ]]> \u0000\u0007\u001b[31m\u000b\u000c tab\there\r\nline2 \uFFFE\uFFFF \uD800 lone, 😀 ok`;
    const CLEAN = `<b>&amp; "quoted" 'single' ]]> [31m tab\there\r\nline2   lone, 😀 ok`;

    it('strips what XML 1.0 forbids and nothing else', () => {
      expect(xmlChars(HOSTILE)).toBe(CLEAN);
      expect(xmlText('a<b&c>d')).toBe('a&lt;b&amp;c&gt;d');
      expect(xmlAttr(`"'\n\t\r`)).toBe('&quot;&apos;&#10;&#9;&#13;');
    });

    it('hostile Name tags, details and fixes survive a round trip through a strict parser', () => {
      const report = reportOf('missing-ssmmessages-endpoint');
      const t = report.targets[0]!;
      t.instance = { ...t.instance, name: HOSTILE };
      const c = t.checks.find((x) => x.status === 'fail' && !x.explainedBy)!;
      c.detail = HOSTILE;
      c.title = HOSTILE;
      c.fix = { summary: HOSTILE, cli: [HOSTILE], terraform: HOSTILE };
      const skipped = t.checks.find((x) => x.status === 'skip')!;
      skipped.detail = HOSTILE;
      const hostile: Report = { ...report, region: HOSTILE, collectedAt: HOSTILE };
      const xml = renderJunit(hostile);
      const suite = suites(xml)[0]!;
      expect(suite.attrs.name).toBe(`${t.target} (${CLEAN})`);
      const tc = caseOf(xml, c.id);
      expect(tc.attrs.name).toBe(`${c.id}: ${CLEAN}`);
      const failure = all(tc, 'failure')[0]!;
      expect(failure.attrs.message).toBe(CLEAN);
      // Text content: CR LF is normalised to LF by XML parsers; our reader keeps it, the characters are intact.
      expect(failure.text).toBe(`${CLEAN}\n\nFix: ${CLEAN}\n$ ${CLEAN}\n\nTerraform:\n${CLEAN}`);
      expect(all(caseOf(xml, skipped.id), 'skipped')[0]!.attrs.message).toBe(CLEAN);
      expect(all(suite, 'property').find((p) => p.attrs.name === 'region')!.attrs.value).toBe(CLEAN);
      expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    });

    it('the strict reader itself rejects what is not well-formed', () => {
      expect(() => parseXml('<a>x < y</a>')).toThrow();
      expect(() => parseXml('<a>x & y</a>')).toThrow();
      expect(() => parseXml('<a b="1" b="2"/>')).toThrow();
      expect(() => parseXml('<a><b></a></b>')).toThrow();
      expect(() => parseXml('<a>\u0001</a>')).toThrow();
      expect(() => parseXml('<a b="x\ny"/>')).toThrow();
      expect(parseXml('<a b="&#10;&lt;">&amp;</a>')).toMatchObject({ attrs: { b: '\n<' }, text: '&' });
    });
  });

  it('several targets: one testsuite each, totals summed on <testsuites>', () => {
    const a = reportOf('missing-ssmmessages-endpoint');
    const b = reportOf('healthy');
    const report: Report = { ...a, targets: [a.targets[0]!, { ...b.targets[0]!, target: 'i-0bbbbbbbbbbbbbbbb' }], ok: false };
    const xml = renderJunit(report);
    expect(suites(xml)).toHaveLength(2);
    const root = parseXml(xml);
    const sum = (k: string) => suites(xml).reduce((s, x) => s + Number(x.attrs[k]), 0);
    for (const k of ['tests', 'failures', 'errors']) expect(Number(root.attrs[k])).toBe(sum(k));
    expect(root.attrs.skipped).toBeUndefined(); // not an attribute of <testsuites> in Jenkins' schema
  });
});
