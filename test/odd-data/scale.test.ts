// Hundreds of security-group rules and network ACL entries: the checks stay correct, their explanations stay
// readable, and nothing blows up quadratically. (No timing is asserted: the old cell-by-cell NACL evaluation
// needed ~25 s for 500 entries on the NAT path and minutes for 1000, far beyond the test timeout; now it is
// well under a second.)
import { describe, expect, it } from 'vitest';
import type { NetworkAclEntry } from '../../src/facts/facts.js';
import { SG_EC2, SG_VPCE, world } from '../fixtures/world.js';
import { saneRun } from './harness.js';
import * as O from './odd-worlds.js';

const NETWORK = ['network.route', 'security-group.endpoint-ingress', 'security-group.instance-egress', 'network.acl'];

describe('hundreds of rules', () => {
  it('500 non-matching SG rules and NACL entries before the ones that matter: the endpoint path still passes', () => {
    const results = saneRun(world(O.manyRules(500)));
    for (const id of NETWORK) expect(results[id]!.status, id).toBe('pass');
  });

  it('1000 NACL entries on the NAT path (public address space x ephemeral ports): judged, and explained in a readable sentence', () => {
    const results = saneRun(
      world((f) => {
        O.natPath(f);
        O.manyRules(1000)(f);
      }),
    );
    const acl = results['network.acl']!;
    // Entries deny a few public /32s on some reply ports: only part of the public space answers.
    expect(acl.status).toBe('warn');
    expect(acl.detail).toMatch(/only for part of the public address space/);
    expect(acl.detail).toMatch(/and \d+ more rules \(/);
    expect(acl.detail.length).toBeLessThan(4000);
    expect(results['security-group.instance-egress']!.status).toBe('pass');
  });

  it('the one admitting rule at the end of 500 is found, in ingress and egress', () => {
    const results = saneRun(
      world((f) => {
        const noise = Array.from({ length: 500 }, (_, k) => O.rule({ fromPort: 1000 + k, toPort: 1000 + k, cidrs: ['10.0.0.0/16'] }));
        O.sg(f, SG_EC2).egress = [...noise, O.rule({ cidrs: ['10.0.2.0/24'] })];
        O.sg(f, SG_VPCE).ingress = [...noise, O.rule({ cidrs: ['10.0.1.10/32'] })];
      }),
    );
    expect(results['security-group.instance-egress']).toMatchObject({ status: 'pass', detail: expect.stringContaining('10.0.2.0/24') });
    expect(results['security-group.endpoint-ingress']).toMatchObject({ status: 'pass', detail: expect.stringContaining('10.0.1.10/32') });
  });

  it('500 SG rules none of which admits HTTPS: fails, and the explanation does not list them all', () => {
    const results = saneRun(
      world((f) => {
        O.sg(f, SG_VPCE).ingress = Array.from({ length: 500 }, (_, k) => O.rule({ fromPort: 1000 + k, toPort: 1000 + k, cidrs: ['10.0.0.0/16'] }));
      }),
    );
    expect(results['security-group.endpoint-ingress']!.status).toBe('fail');
    expect(results['security-group.endpoint-ingress']!.detail).toMatch(/and 495 more: nothing on TCP 443/);
  });

  it('500 HTTPS egress rules to the wrong place: fails, naming a few of them', () => {
    const results = saneRun(
      world((f) => {
        O.sg(f, SG_EC2).egress = Array.from({ length: 500 }, (_, k) => O.rule({ cidrs: [`192.168.${k % 256}.${k >> 8}/32`] }));
      }),
    );
    expect(results['security-group.instance-egress']!.status).toBe('fail');
    expect(results['security-group.instance-egress']!.detail).toMatch(/; and 495 more\./);
  });

  it('first match wins among 500 NACL entries: a deny numbered just before the allow is named', () => {
    const results = saneRun(
      world((f) => {
        const entries: NetworkAclEntry[] = Array.from({ length: 498 }, (_, k) => ({
          ruleNumber: 1 + k,
          egress: true,
          protocol: '6',
          action: 'deny' as const,
          cidr: '10.0.2.0/24',
          portRange: { from: 2000 + k, to: 2000 + k },
        }));
        entries.push({ ruleNumber: 499, egress: true, protocol: '6', action: 'deny', cidr: '10.0.2.0/24', portRange: { from: 443, to: 443 } });
        const acl = O.acls(f)[0]!;
        acl.entries = [...entries, ...acl.entries.map((e) => ({ ...e, ruleNumber: e.ruleNumber === 100 ? 500 : e.ruleNumber }))];
      }),
    );
    expect(results['network.acl']).toMatchObject({ status: 'fail', detail: expect.stringContaining('rule 499 (deny TCP 443 to 10.0.2.0/24)') });
    // Every number below 499 is taken: the fix replaces rule 499 itself.
    expect(results['network.acl']!.fix!.cli.join('\n')).toMatch(/replace-network-acl-entry .*--rule-number 499 --protocol 6 --port-range From=443,To=443 --egress/);
  });
});
