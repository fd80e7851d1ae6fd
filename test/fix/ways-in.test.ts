// The way in when a VPC has no EC2 Instance Connect Endpoint: the commands and the Terraform create the same
// endpoint and the same security group (name, VPC, and only the port to the instance's group going out), once per VPC.
import { readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import type { TargetContext } from '../../src/check/kit.js';
import { ok, type Facts, type Instance } from '../../src/facts/facts.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { waysIn } from '../../src/fix/ways-in.js';
import { buildReport } from '../../src/report/model.js';
import { shellWords } from '../../src/report/wrap.js';
import { offline } from '../fixtures/evidence.js';
import { IID, SG_EC2, SUBNET, VPC, val, world } from '../fixtures/world.js';

type Body = Record<string, unknown>;
type Doc = { resource?: Record<string, Record<string, Body[]>> };

const of = (doc: Doc, type: string): Body[] => Object.values(doc.resource?.[type] ?? {}).map((b) => b[0]!);
const words = (cli: string[], sub: string) => cli.filter((c) => c.includes(` ${sub} `)).map(shellWords);
/** The value of `--name` (shellWords keeps the quotes). */
const opt = (w: string[], name: string) => w[w.indexOf(name) + 1]?.replace(/^'(.*)'$|^"(.*)"$/, '$1$2');

function waysInOf(facts: Facts, id = IID) {
  const ctx: TargetContext = { facts, id, region: facts.region };
  return waysIn(ctx, val(facts.instances[id])!, 'ec2-user');
}

/** The endpoint's security group as the commands leave it, and as the Terraform defines it. */
async function eiceGroup(w: { cli: string[]; terraform?: string }) {
  const doc = (await parse('eice.tf', w.terraform!)) as Doc;
  const [create] = words(w.cli, 'create-security-group');
  const cli = {
    name: opt(create!, '--group-name'),
    vpc: opt(create!, '--vpc-id'),
    revoked: words(w.cli, 'revoke-security-group-egress').map((x) => opt(x, '--ip-permissions')),
    egress: words(w.cli, 'authorize-security-group-egress').map((x) => opt(x, '--ip-permissions')),
  };
  const [group] = of(doc, 'aws_security_group');
  const rules = of(doc, 'aws_security_group_rule').filter((r) => r.type === 'egress');
  return { doc, cli, group: group!, egress: rules };
}

describe('EC2 Instance Connect Endpoint to create', () => {
  it('console-disk-full: the commands and the Terraform make the same group, letting only SSH out to the instance group', async () => {
    const facts = parseSnapshot(readFileSync(new URL('../../examples/console-disk-full.json', import.meta.url), 'utf8'), 'console-disk-full');
    const report = buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    const fix = report.causes.find((c) => c.id.startsWith('agent.console:'))!.fix!;
    const g = await eiceGroup(fix);
    expect(g.cli.name).toBe(`ssm-doctor-eice-${VPC}`);
    expect(g.group).toMatchObject({ name: g.cli.name, vpc_id: VPC });
    // AWS's allow-all egress revoked; the only egress: SSH to the instance's group, in both.
    expect(g.cli.revoked).toEqual(['IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]']);
    expect(g.cli.egress).toEqual([`IpProtocol=tcp,FromPort=22,ToPort=22,UserIdGroupPairs=[{GroupId=${SG_EC2}}]`]);
    expect(g.group.egress).toBeUndefined();
    expect(g.egress).toEqual([expect.objectContaining({ protocol: 'tcp', from_port: 22, to_port: 22, source_security_group_id: SG_EC2 })]);
    // The endpoint itself, in the same subnet.
    const [create] = words(fix.cli, 'create-instance-connect-endpoint');
    expect(of(g.doc, 'aws_ec2_instance_connect_endpoint')).toEqual([expect.objectContaining({ subnet_id: opt(create!, '--subnet-id') })]);
  });

  it('Windows: RDP (3389) in both', async () => {
    const g = await eiceGroup(
      waysInOf(
        world((f) => {
          offline(f);
          val(f.instances[IID])!.platform = 'windows';
        }),
      ),
    );
    expect(g.cli.egress).toEqual([`IpProtocol=tcp,FromPort=3389,ToPort=3389,UserIdGroupPairs=[{GroupId=${SG_EC2}}]`]);
    expect(g.egress).toEqual([expect.objectContaining({ from_port: 3389, to_port: 3389, source_security_group_id: SG_EC2 })]);
  });

  it('two instances of a VPC in other subnets and groups: one endpoint, one group, the same shell variables, a rule per group', () => {
    const OTHER = 'i-0fedcba9876543210';
    const OTHER_SUBNET = 'subnet-0bbb2222cccc33334';
    const OTHER_SG = 'sg-0a0a0a0a0a0a0a0a0';
    const facts = world((f) => {
      offline(f);
      const inst = val(f.instances[IID])!;
      const other: Instance = { ...inst, id: OTHER, subnetId: OTHER_SUBNET, privateIp: '10.0.3.10', securityGroupIds: [OTHER_SG], networkInterfaces: [] };
      f.targets.push(OTHER);
      f.instances[OTHER] = ok(other);
      f.subnets[OTHER_SUBNET] = ok({ id: OTHER_SUBNET, vpcId: VPC, cidr: '10.0.3.0/24', ipv6Cidrs: [], availabilityZone: 'us-east-1b' });
      f.securityGroups[OTHER_SG] = ok({ id: OTHER_SG, name: 'other', vpcId: VPC, ingress: [], egress: [] });
    });
    const a = waysInOf(facts);
    const b = waysInOf(facts, OTHER);
    const shared = (w: { cli: string[] }) => w.cli.filter((c) => !c.includes(SG_EC2) && !c.includes(OTHER_SG) && !c.includes('ec2-instance-connect ssh'));
    expect(shared(b)).toEqual(shared(a));
    expect(shared(a).find((c) => c.includes('create-instance-connect-endpoint'))).toContain(`--subnet-id ${SUBNET} `);
    expect(b.cli).toContain(
      `aws ec2 authorize-security-group-egress --group-id "$EICE_SG_0a1b2c3d4e5f60718" --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,UserIdGroupPairs=[{GroupId=${OTHER_SG}}]' --region us-east-1`,
    );
    expect(b.terraform).toContain(`resource "aws_ec2_instance_connect_endpoint" "vpc_0a1b2c3d4e5f60718" {\n  subnet_id          = "${SUBNET}"`);
  });
});
