// A hop the path picture draws as certainly blocked (✖) never sits inside an OK verdict: the checks judge the same
// ways with the same evaluators (src/eval/), including the ways to kms, logs and s3 the session preferences add.
// Every example and fix world is judged as it is and with one filter broken everywhere (the instance's HTTPS egress
// cut to the VPC, endpoint ingress removed, network ACLs denying the public address space or the replies).
import { describe, expect, it } from 'vitest';
import { allChecks } from '../checks/index.js';
import type { Facts, NetworkAclEntry, SecurityGroupRule } from '../src/facts/facts.js';
import { buildReport } from '../src/report/model.js';
import { fixCorpus } from './fixtures/fix-worlds.js';

const httpsTo = (cidr: string): SecurityGroupRule => ({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [cidr], ipv6Cidrs: [], groupIds: [], prefixListIds: [] });
const eachGroup = (edit: (g: { ingress: SecurityGroupRule[]; egress: SecurityGroupRule[] }) => void) => (f: Facts) => {
  for (const g of Object.values(f.securityGroups)) if (g.ok) edit(g.value);
};
const eachAcl = (entries: NetworkAclEntry[]) => (f: Facts) => {
  for (const a of Object.values(f.networkAcls)) if (a.ok) for (const acl of a.value) acl.entries.unshift(...entries.map((e) => ({ ...e })));
};
/** Inbound: the VPC's private range allowed, everything else denied. */
const denyPublicIn: NetworkAclEntry[] = [
  { ruleNumber: 1, egress: false, protocol: '-1', action: 'allow', cidr: '10.0.0.0/8' },
  { ruleNumber: 2, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
];

const BREAKS: Record<string, (f: Facts) => void> = {
  'as it is': () => {},
  'HTTPS out only to the VPC': eachGroup((g) => (g.egress = [httpsTo('10.0.0.0/16')])),
  'no security group ingress': eachGroup((g) => (g.ingress = [])),
  'ACLs deny the public address space in': eachAcl(denyPublicIn),
  'ACLs deny every reply': eachAcl([{ ruleNumber: 1, egress: false, protocol: '6', action: 'deny', cidr: '0.0.0.0/0', portRange: { from: 1024, to: 65535 } }]),
};

describe('path pictures and verdicts agree', () => {
  const corpus = fixCorpus();
  it.each(Object.keys(BREAKS))('%s: no target is OK while a hop of its paths is certainly blocked', (breakName) => {
    const contradictions: string[] = [];
    let judged = 0;
    for (const { name, facts } of corpus) {
      const f = structuredClone(facts);
      BREAKS[breakName]!(f);
      const report = buildReport(f, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'aws' });
      for (const t of report.targets) {
        for (const p of t.paths ?? []) {
          judged++;
          const blocked = p.hops.filter((h) => h.ok === false);
          if (t.ok && blocked.length) contradictions.push(`${name} ${t.target} ${p.service}: ${blocked.map((h) => h.label).join('; ')}`);
        }
      }
    }
    expect(judged).toBeGreaterThan(100);
    expect(contradictions).toEqual([]);
  });
});
