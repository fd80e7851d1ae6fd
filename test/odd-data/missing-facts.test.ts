// Missing and partial facts, exhaustively: in several base worlds, every single fact (each entry of each
// per-resource map, and the account-level reads) is deleted or replaced by each kind of failed read, and
// every check runs. Nothing may crash; and a fact that could not be read must never make a check more
// optimistic than it was with the fact (a non-pass turning into pass, or a fail/warn/error into skip).
import { describe, expect, it } from 'vitest';
import type { CheckResult, Status } from '../../src/check/kit.js';
import { failed } from '../../src/facts/facts.js';
import { IID, VPC, denied, world } from '../fixtures/world.js';
import { problemsOf, runAll, saneRun } from './harness.js';
import { BASES, ERRORS, slotsOf } from './slots.js';

const OPTIMISTIC: Record<Status, number> = { pass: 3, skip: 2, warn: 1, fail: 0, error: 0 };

/** A check that became more optimistic than it was with every fact readable. */
function moreOptimistic(base: CheckResult, now: CheckResult): boolean {
  if (now.status === 'pass') return base.status !== 'pass';
  if (now.status === 'skip') return base.status !== 'pass' && base.status !== 'skip';
  return OPTIMISTIC[now.status] > OPTIMISTIC[base.status] && base.status !== 'skip' && base.status !== 'pass';
}

describe('every single fact missing or unreadable', () => {
  for (const [baseName, edit] of Object.entries(BASES)) {
    it(`${baseName}: no crash, and no check more optimistic than with the fact`, () => {
      const base = world(edit);
      saneRun(base);
      const baseResults = new Map(runAll(base).map((r) => [r.id, r]));
      const problems: string[] = [];
      for (const slot of slotsOf(base)) {
        for (const how of ['delete', ...Object.keys(ERRORS)] as const) {
          const f = world((g) => {
            edit(g);
            slot.remove(g, how);
          });
          for (const r of runAll(f)) {
            for (const p of problemsOf(r)) problems.push(`${slot.name} ${how}: ${p}`);
            const was = baseResults.get(r.id)!;
            if (moreOptimistic(was, r)) problems.push(`${slot.name} ${how}: ${r.id} went ${was.status} -> ${r.status}: ${r.detail}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('DescribeInstances failed', () => {
  it.each(Object.keys(ERRORS))('(%s): no check passes except the client ones, and the instance checks say which read failed', (how) => {
    for (const edit of Object.values(BASES)) {
      const results = saneRun(world((f) => (edit(f), (f.instances[IID] = failed(ERRORS[how]!('ec2:DescribeInstances'))))));
      const passing = Object.values(results).filter((r) => r.status === 'pass' && !r.id.startsWith('client.'));
      expect(passing.map((r) => r.id)).toEqual([]);
      expect(results['instance.state']).toMatchObject({ status: 'error', detail: expect.stringContaining('ec2:DescribeInstances') });
    }
  });

  it('(denied) the error names the permission to grant', () => {
    const results = saneRun(world((f) => (f.instances[IID] = failed(denied('ec2:DescribeInstances')))));
    expect(results['network.route']!.detail).toMatch(/Grant ec2:DescribeInstances/);
  });
});

describe('bugs the exhaustive run found', () => {
  it('vpc.dns with custom DNS servers errors when the endpoints could not be read (it said "no endpoints")', () => {
    const results = saneRun(
      world((f) => {
        BASES['custom DNS servers']!(f);
        f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'));
      }),
    );
    expect(results['vpc.dns']).toMatchObject({ status: 'error', detail: expect.stringContaining('ec2:DescribeVpcEndpoints') });
  });
});
