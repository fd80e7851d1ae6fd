import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { displayWidth, fitList, terminalSafe, truncate } from '../../src/report/table.js';
import { renderText } from '../../src/report/text.js';
import { denied, IID, VPC, world } from '../fixtures/world.js';
import { EXAMPLES, fleetReport, reportOf } from './helpers.js';

const ANSI = /\u001b\[[0-9;]*m/g;
const plain = (r: Report, verbose = false) => renderText(r, { color: false, verbose });

describe('renderText, one target', () => {
  it.each(EXAMPLES)('%s: the single-target layout (no fleet table), a verdict line', (name) => {
    const out = plain(reportOf(name));
    expect(out).not.toContain('VERDICT');
    expect(out).toMatch(/^ {2}(OK|NOT READY) {2}\d+ /m);
    expect(out).not.toMatch(ANSI);
  });

  it('endpoints as the path: one ℹ cost line under Network even when network.route passes', () => {
    const out = plain(reportOf('healthy'));
    const lines = out.split('\n');
    const route = lines.findIndex((l) => l.includes('[network.route]'));
    expect(lines[route]).toMatch(/✔/);
    expect(lines[route + 1]).toBe(
      '      ℹ 3 interface endpoints × 1 AZ ≈ $21.90/month; EC2 Instance Connect Endpoint is free when session logging is not needed',
    );
    expect(out.match(/ℹ/g)).toHaveLength(1);
    // Shown in the detail instead when the detail is printed; no ℹ line without endpoints.
    expect(plain(reportOf('healthy'), true)).not.toContain('ℹ');
    expect(plain(reportOf('transit-gateway-route'))).not.toContain('ℹ');
  });

  it('a denied read: "Permissions to add" under the verdict, listing distinct IAM actions', () => {
    const facts = world((f) => {
      f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') };
      f.connections[IID] = { ok: false, error: denied('ssm:GetConnectionStatus', 'AccessDeniedException') };
    });
    const out = plain(reportOf(facts));
    const lines = out.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^ {2}NOT READY {2}.*could not be checked/);
    expect(lines.at(-1)).toBe('  Permissions to add (to the identity running ssm-doctor): ec2:DescribeVpcEndpoints, ssm:GetConnectionStatus');
  });

  it('the first line says when checks were left out and when warnings fail', () => {
    expect(plain(reportOf('healthy')).split('\n')[0]).toBe('ssm-doctor test · us-east-1 · from a snapshot taken 2026-11-29T10:00:00.000Z');
    const r = reportOf('healthy', { failOn: 'warn', omittedChecks: ['client.plugin', 'client.permissions'] });
    expect(plain(r).split('\n')[0]).toMatch(/ · 2 checks left out \(--only\/--skip\) · warnings fail$/);
  });

  it('Name tags cannot inject terminal escapes', () => {
    const r = reportOf('healthy');
    r.targets[0]!.instance!.name = 'evil\u001b[2J\u001b]0;title\u0007\u202e';
    expect(plain(r)).toContain('evil?[2J?]0;title??');
  });
});

describe('renderText, several targets', () => {
  const three = (): Report => {
    const r = fleetReport(3, (n) => ['healthy', 'missing-ssmmessages-endpoint', 'transit-gateway-route'][n]!, (n) => ['web-1', 'db-1', 'cache-1'][n]!);
    return r;
  };

  it('a table first (instance, Name, verdict, failing ids), then details only for targets that are not ok', () => {
    const out = plain(three());
    const lines = out.split('\n');
    expect(lines.slice(2, 6)).toEqual([
      'INSTANCE             NAME     VERDICT    FAILING CHECKS',
      'i-00000000000000000  web-1    OK',
      'i-00000000000000001  db-1     NOT READY  agent.ping, network.route, vpc-endpoint.ssmmessages +1 more',
      'i-00000000000000002  cache-1  WARN       network.route, vpc-endpoint.ssm +2 more',
    ]);
    expect(lines[7]).toBe('3 instances: 1 ok, 1 with warnings, 1 not ready');
    expect(out.match(/^i-\S+ {2}\S+ {2}\S+ · /gm)).toHaveLength(1); // one detail header: the failing target
    expect(out).toContain('i-00000000000000001  db-1  running');
    // details list only what is not passing
    const details = out.slice(out.indexOf('i-00000000000000001  db-1  running'));
    expect(details).toContain('[vpc-endpoint.ssmmessages]');
    expect(details).not.toContain('[instance.state]');
    expect(details).toMatch(/NOT READY {2}\d+ failed/);
  });

  it('--verbose: details for every target; --fail-on warn: the warning target is NOT READY', () => {
    expect(plain(three(), true).match(/^i-\S+ {2}\S+ {2}running · /gm)).toHaveLength(3);
    const gated = reportOf('transit-gateway-route', { failOn: 'warn' });
    const r = three();
    r.failOn = 'warn';
    r.targets[2] = { ...gated.targets[0]!, target: 'i-00000000000000002', instance: { ...gated.targets[0]!.instance, name: 'cache-1' } };
    expect(plain(r)).toContain('i-00000000000000002  cache-1  NOT READY  network.route, vpc-endpoint.ssm');
  });

  it('the fleet names the union of missing permissions once, at the end', () => {
    const denial = reportOf(world((f) => void (f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') })));
    const r = three();
    r.targets[0] = { ...denial.targets[0]!, target: 'i-00000000000000000' };
    r.missingPermissions = ['ec2:DescribeVpcEndpoints'];
    const out = plain(r);
    expect(out.match(/Permissions to add/g)).toHaveLength(1);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Permissions to add (to the identity running ssm-doctor): ec2:DescribeVpcEndpoints');
  });

  it('500 targets stay readable: bounded lines and width, long names and id lists truncated, aligned with colour', () => {
    const longName = (n: number) => (n % 7 === 0 ? `a-very-long-name-tag-for-instance-number-${n}-in-the-batch-fleet` : `app-${n}`);
    const report = fleetReport(500, (n) => (n % 50 === 0 ? 'nacl-blocks-ephemeral' : n % 10 === 0 ? 'transit-gateway-route' : 'healthy'), longName);
    // A target with every check failing: its id list must be cut.
    const many = report.targets[1]!;
    many.ok = false;
    for (const c of many.checks) c.status = 'fail';
    report.ok = false;
    const out = plain(report);
    const lines = out.split('\n');
    const table = lines.slice(2, 2 + 501);
    expect(table[0]).toMatch(/^INSTANCE/);
    expect(table.every((l) => displayWidth(l) <= 100)).toBe(true);
    expect(table.slice(1).every((l) => /^i-[0-9a-f]{17} {2}/.test(l))).toBe(true);
    expect(table.find((l) => l.startsWith('i-00000000000000007'))).toMatch(/ {2}a-very-long-name-tag-fo… {2}OK$/);
    expect(table[2]).toMatch(/NOT READY {2}instance\.state, .* \+\d+ more$/);
    // Columns aligned: the verdict starts at the same column on every row.
    const col = table[0]!.indexOf('VERDICT');
    expect(table.slice(1).every((l) => /^(OK|WARN|NOT READY)/.test(l.slice(col)))).toBe(true);
    // Details only for the 11 not-ready targets (10 NACL + the all-failing one), compact.
    const failing = report.targets.filter((t) => !t.ok).length;
    expect(failing).toBe(11);
    expect(lines.length).toBeLessThan(505 + failing * 40);
    // With colour: stripping the escapes gives the same text, so colour never breaks alignment.
    expect(renderText(report, { color: true }).replace(ANSI, '')).toBe(out);
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
  });
});
