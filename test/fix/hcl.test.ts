// Every Terraform ssm-doctor can emit, through HashiCorp's own HCL parser (its WASM build, @cdktf/hcl2json): each
// snippet valid on its own, with the arguments its resource type requires, and a report's consolidated plan
// defining each resource once, under one label, and every resource its commands create.
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { agentVersion } from '../../checks/agent.version.js';
import { allChecks } from '../../checks/index.js';
import { runCheck } from '../../src/check/run.js';
import type { Fix } from '../../src/check/kit.js';
import { buildReport } from '../../src/report/model.js';
import { CONFLICT_NOTE, consolidateTerraform, splitBlocks } from '../../src/fix/terraform.js';
import { shellWords } from '../../src/report/wrap.js';
import { fixCorpus } from '../fixtures/fix-worlds.js';
import { IID, val, world } from '../fixtures/world.js';

/** Arguments the AWS provider requires for each resource type ssm-doctor writes (a new type must be added here). */
const REQUIRED: Record<string, string[]> = {
  aws_vpc_endpoint: ['vpc_id', 'service_name'],
  aws_security_group: ['vpc_id'],
  aws_security_group_rule: ['type', 'security_group_id', 'protocol', 'from_port', 'to_port'],
  aws_network_acl_rule: ['network_acl_id', 'rule_number', 'protocol', 'rule_action'],
  aws_route: ['route_table_id'],
  aws_eip: [],
  aws_nat_gateway: ['subnet_id'],
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy_attachment: ['role', 'policy_arn'],
  aws_iam_instance_profile: [],
  aws_iam_role_policy: ['role', 'policy'],
  aws_iam_user_policy: ['user', 'policy'],
  aws_iam_policy: ['policy'],
  aws_ec2_instance_state: ['instance_id', 'state'],
  aws_vpc_dhcp_options: [],
  aws_vpc_dhcp_options_association: ['vpc_id', 'dhcp_options_id'],
  aws_vpc_endpoint_policy: ['vpc_endpoint_id'],
  aws_internet_gateway_attachment: ['internet_gateway_id', 'vpc_id'],
  aws_ssm_association: ['name'],
  aws_kms_key_policy: ['key_id', 'policy'],
  aws_ec2_instance_connect_endpoint: ['subnet_id'],
  aws_cloudwatch_log_group: [],
  aws_s3_bucket: [],
  aws_s3_bucket_server_side_encryption_configuration: ['bucket'],
  aws_ssm_service_setting: ['setting_id', 'setting_value'],
  aws_ssm_activation: ['iam_role'],
  aws_kms_key: [],
  aws_s3_bucket_public_access_block: ['bucket'],
  aws_vpc_endpoint_route_table_association: ['vpc_endpoint_id', 'route_table_id'],
};

const TOP_LEVEL = new Set(['resource', 'data', 'locals', 'import', 'variable', 'output', 'module', 'provider', 'moved', 'removed', 'terraform', 'check']);

type Parsed = { resource?: Record<string, Record<string, Record<string, unknown>[]>> };
type Resource = { type: string; name: string; body: Record<string, unknown> };

const resources = (doc: Parsed): Resource[] =>
  Object.entries(doc.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, bodies]) => ({ type, name, body: bodies[0]! })));

function fixesOf(report: ReturnType<typeof buildReport>): Fix[] {
  return [
    ...report.targets.flatMap((t) => [...t.checks.flatMap((c) => (c.fix ? [c.fix] : [])), ...(t.diagnosis.then ? [t.diagnosis.then] : []), ...(t.reboot ? [t.reboot] : [])]),
    ...report.causes.flatMap((c) => (c.fix ? [c.fix] : [])),
  ];
}

/** Problems of one parsed document: duplicate addresses, missing required arguments, unknown resource types. */
function problems(doc: Parsed): string[] {
  const out: string[] = [];
  // A .tf file holds blocks only: a bare `argument = value` (a fragment of some resource) is not Terraform.
  for (const key of Object.keys(doc)) if (!TOP_LEVEL.has(key)) out.push(`top-level "${key}" is not a Terraform block`);
  for (const [type, byName] of Object.entries(doc.resource ?? {})) {
    const required = REQUIRED[type];
    if (!required) out.push(`resource type ${type} is not in the test's table of required arguments`);
    for (const [name, bodies] of Object.entries(byName)) {
      if (bodies.length > 1) out.push(`${type}.${name} is defined ${bodies.length} times`);
      for (const arg of required ?? []) if (!(arg in bodies[0]!)) out.push(`${type}.${name} has no ${arg}`);
    }
  }
  return out;
}

/** Two labels for one resource: resources of a type whose arguments are all the same (the plan would create it twice). */
function sameResourceTwice(doc: Parsed): string[] {
  const byBody = new Map<string, string>();
  const out: string[] = [];
  for (const r of resources(doc)) {
    const key = `${r.type} ${JSON.stringify(r.body)}`;
    const first = byBody.get(key);
    if (first) out.push(`${r.type}.${r.name} is ${r.type}.${first} again`);
    else byBody.set(key, r.name);
  }
  return out;
}

/** `--option value...` of a command's words: the words after it up to the next option. */
function option(words: string[], name: string): string[] {
  const i = words.indexOf(name);
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < words.length && !words[j]!.startsWith('--'); j++) out.push(words[j]!.replace(/\)$/, '').replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
  return out;
}

/**
 * What the commands create that Terraform must create too, each as the resource type and the arguments one resource
 * of that type must have (the plan's Terraform and its commands are two ways to do the same thing).
 */
function createdByCommands(cli: string[]): { type: string; args: Record<string, unknown>; command: string }[] {
  const out: { type: string; args: Record<string, unknown>; command: string }[] = [];
  for (const command of cli) {
    const words = shellWords(command);
    const one = (name: string) => option(words, name)[0];
    if (words.includes('create-vpc-endpoint')) {
      const gateway = one('--vpc-endpoint-type') === 'Gateway';
      out.push({
        type: 'aws_vpc_endpoint',
        args: { vpc_id: one('--vpc-id'), service_name: one('--service-name'), ...(gateway ? { route_table_ids: option(words, '--route-table-ids') } : {}) },
        command,
      });
    } else if (words.includes('modify-vpc-endpoint') && words.includes('--add-route-table-ids')) {
      for (const table of option(words, '--add-route-table-ids')) {
        out.push({ type: 'aws_vpc_endpoint_route_table_association', args: { vpc_endpoint_id: one('--vpc-endpoint-id'), route_table_id: table }, command });
      }
    } else if (words.includes('send-command') && one('--document-name') === 'AWS-UpdateSSMAgent') {
      const ids = /Key=InstanceIds,Values=(.*)$/.exec(one('--targets') ?? '')?.[1]?.split(',') ?? [];
      for (const id of ids) out.push({ type: 'aws_ssm_association', args: { name: 'AWS-UpdateSSMAgent', instance: id }, command });
    } else if (words.includes('create-security-group')) {
      out.push({ type: 'aws_security_group', args: { name: one('--group-name'), vpc_id: one('--vpc-id') }, command });
    } else if (words.includes('create-instance-connect-endpoint')) {
      out.push({ type: 'aws_ec2_instance_connect_endpoint', args: { subnet_id: one('--subnet-id') }, command });
    }
  }
  return out;
}

/** The commands' creations that no resource of the Terraform matches. */
function missingFromTerraform(cli: string[], doc: Parsed): string[] {
  const all = resources(doc);
  return createdByCommands(cli).flatMap(({ type, args, command }) => {
    const found = all.some((r) => {
      if (r.type !== type) return false;
      return Object.entries(args).every(([k, v]) => {
        if (k === 'instance') {
          const targets = (r.body.targets ?? []) as { key?: string; values?: string[] }[];
          return targets.some((t) => t.key === 'InstanceIds' && t.values?.includes(v as string));
        }
        return Array.isArray(v) ? JSON.stringify([...(r.body[k] as string[])].sort()) === JSON.stringify([...v].sort()) : r.body[k] === v;
      });
    });
    return found ? [] : [`no ${type} with ${JSON.stringify(args)} for: ${command}`];
  });
}

const corpus = fixCorpus().map(({ name, facts }) => ({ name, report: buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'aws' }) }));

describe('Terraform through the HCL parser', () => {
  it('the corpus reaches many fixes with Terraform', () => {
    const snippets = new Set(corpus.flatMap(({ report }) => fixesOf(report).flatMap((f) => (f.terraform ? [f.terraform] : []))));
    expect(snippets.size).toBeGreaterThan(30);
  });

  it.each(corpus.map((c) => [c.name, c.report] as const))('%s: every snippet parses on its own, complete, each resource once', async (_name, report) => {
    for (const fix of fixesOf(report)) {
      if (!fix.terraform) continue;
      const doc = (await parse('fix.tf', fix.terraform).catch((e: Error) => {
        throw new Error(`${e.message}\n--- in ---\n${fix.terraform}`);
      })) as Parsed;
      expect(problems(doc), fix.terraform).toEqual([]);
      // A heredoc's closing marker ends with a newline, so the snippet can be appended to a file as it is.
      if (/<<-?[A-Z]+/.test(fix.terraform)) expect(fix.terraform.endsWith('\n'), fix.terraform).toBe(true);
    }
  });

  it.each(corpus.map((c) => [c.name, c.report] as const))('%s: the plan is one file, each resource once', async (_name, report) => {
    const all = consolidateTerraform(fixesOf(report).map((f) => f.terraform));
    expect(all.conflicts).toEqual([]);
    expect(all.terraform).not.toContain(CONFLICT_NOTE);
    if (report.plan.terraform) {
      const doc = (await parse('plan.tf', report.plan.terraform)) as Parsed;
      expect(problems(doc)).toEqual([]);
      expect(report.plan.terraform).not.toContain(CONFLICT_NOTE);
    }
  });

  it.each(corpus.map((c) => [c.name, c.report] as const))('%s: one label per resource, and every resource the commands create', async (_name, report) => {
    // The report's plan, and every fix of every instance (warnings too) taken together.
    const fixes = fixesOf(report);
    const plans = [
      { what: 'plan', cli: report.plan.cli, terraform: report.plan.terraform ?? '' },
      { what: 'all fixes', cli: fixes.flatMap((f) => f.cli), terraform: consolidateTerraform(fixes.map((f) => f.terraform)).terraform },
    ];
    for (const { what, cli, terraform } of plans) {
      const doc = (await parse('plan.tf', terraform)) as Parsed;
      expect(sameResourceTwice(doc), what).toEqual([]);
      expect(missingFromTerraform(cli, doc), what).toEqual([]);
    }
  });
});

describe('consolidateTerraform', () => {
  it('keeps each block once, comments with their block, and shows an address defined two ways above the kept definition', async () => {
    const a = '# why\nresource "aws_eip" "x" {\n  domain = "vpc"\n}\n';
    const b = 'resource "aws_eip" "x" {\n  domain   = "vpc"\n}\n\nlocals {\n  s = <<-EOT\n    }{ not a brace\n  EOT\n}\n';
    const c = 'resource "aws_eip" "x" {\n  domain = "standard"\n}\n';
    expect(splitBlocks(b).map((x) => x.address)).toEqual(['aws_eip.x', 'locals:s']);
    expect(consolidateTerraform([a, b])).toEqual({
      terraform: '# why\nresource "aws_eip" "x" {\n  domain = "vpc"\n}\n\nlocals {\n  s = <<-EOT\n    }{ not a brace\n  EOT\n}\n',
      conflicts: [],
    });
    const r = consolidateTerraform([a, b, c]);
    expect(r.conflicts).toEqual(['aws_eip.x']);
    expect(r.terraform).toBe(
      `${CONFLICT_NOTE} aws_eip.x differently; only the definition below is written. The other one:\n` +
        '#   resource "aws_eip" "x" {\n#     domain = "standard"\n#   }\n' +
        '# why\nresource "aws_eip" "x" {\n  domain = "vpc"\n}\n\nlocals {\n  s = <<-EOT\n    }{ not a brace\n  EOT\n}\n',
    );
    // Still one valid file, and the note survives a second consolidation (a cause's merged fix inside the plan).
    expect(problems((await parse('x.tf', r.terraform)) as Parsed)).toEqual([]);
    const again = consolidateTerraform([a, r.terraform, c]);
    expect(again.terraform.split(CONFLICT_NOTE).length - 1).toBe(1);
    expect(again.conflicts).toEqual(['aws_eip.x']);
  });

  // agent.version's association for an old agent, targeting `ids`.
  const update = (() => {
    const facts = world((f) => (val(f.agents[IID])!.agentVersion = '2.3.50.0'));
    return runCheck(agentVersion, { facts, id: IID, region: facts.region }).fix!.terraform!;
  })();
  const association = (ids: string[]) => update.replace(/values = \[.*\]/, `values = [${ids.map((i) => `"${i}"`).join(', ')}]`);

  it('one association for many instances targets them all (each once, in order)', () => {
    const r = consolidateTerraform([association(['i-1']), association(['i-2']), association(['i-1']), association(['i-3', 'i-2'])]);
    expect(update).toContain(`values = ["${IID}"]`);
    expect(r).toEqual({ terraform: `${association(['i-1', 'i-2', 'i-3']).trimEnd()}\n`, conflicts: [] });
  });

  it('gathers only the listed arguments, and only when nothing else differs', () => {
    const other = association(['i-2']).replace('rate(14 days)', 'rate(7 days)');
    expect(consolidateTerraform([association(['i-1']), other]).conflicts).toEqual(['aws_ssm_association.update_ssm_agent']);
    const a = 'resource "aws_vpc_endpoint" "x" {\n  vpc_id          = "vpc-1"\n  route_table_ids = ["rtb-1"]\n}\n';
    const b = 'resource "aws_vpc_endpoint" "x" {\n  vpc_id          = "vpc-1"\n  route_table_ids = ["rtb-2"]\n}\n';
    expect(consolidateTerraform([a, b]).conflicts).toEqual(['aws_vpc_endpoint.x']);
  });
});

describe('the plan of a fleet', () => {
  const report = (name: string) => corpus.find((c) => c.name === name)!.report;

  it('creates the kms and logs endpoints of each VPC, and an S3 gateway or association per route table, as its commands do', async () => {
    const r = report('fleet in two VPCs: kms, logs and S3 endpoints missing, old agents');
    const doc = (await parse('plan.tf', r.plan.terraform!)) as Parsed;
    const endpoints = resources(doc).filter((x) => x.type === 'aws_vpc_endpoint');
    const creates = r.plan.cli.filter((c) => c.includes('create-vpc-endpoint'));
    expect(endpoints.map((e) => e.body.service_name).sort()).toEqual(creates.map((c) => /--service-name (\S+)/.exec(c)![1]).sort());
    // (the parser lists resources by label)
    expect(endpoints.filter((e) => String(e.body.service_name).endsWith('.kms')).map((e) => [e.name, e.body.vpc_id])).toEqual([
      ['kms_00653cad766a54764', 'vpc-00653cad766a54764'],
      ['kms_0a8d4b7b11bd41a64', 'vpc-0a8d4b7b11bd41a64'],
    ]);
    expect(resources(doc).filter((x) => x.type === 'aws_vpc_endpoint_route_table_association')).toHaveLength(2);
  });

  it('keeps every old agent updated with one association targeting them all', async () => {
    const r = report('fleet in two VPCs: kms, logs and S3 endpoints missing, old agents');
    const fixes = fixesOf(r);
    const updated = fixes.flatMap((f) => f.cli).flatMap((c) => /AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=(\S+)/.exec(c)?.[1] ?? []);
    expect(new Set(updated).size).toBe(4);
    const doc = (await parse('all.tf', consolidateTerraform(fixes.map((f) => f.terraform)).terraform)) as Parsed;
    const [association] = resources(doc).filter((x) => x.type === 'aws_ssm_association');
    expect((association!.body.targets as { values: string[] }[])[0]!.values).toEqual([...new Set(updated)]);
  });

  it("grants the session key to every agent role its policy omits, in one put-key-policy and one aws_kms_key_policy", async () => {
    const r = report("fleet with two roles: the session key's policy names neither");
    const puts = r.plan.cli.filter((c) => c.startsWith('aws kms put-key-policy'));
    expect(puts).toHaveLength(1);
    const grant = (policy: { Statement: { Sid?: string; Principal?: unknown }[] }) => policy.Statement.find((s) => s.Sid === 'AllowSessionManagerAgentDecrypt')!.Principal;
    const roles = { AWS: ['arn:aws:iam::111122223333:role/fleet-role-0', 'arn:aws:iam::111122223333:role/fleet-role-1'] };
    expect(grant(JSON.parse(/--policy '(.*)' --region/.exec(puts[0]!)![1]!))).toEqual(roles);
    const doc = (await parse('plan.tf', r.plan.terraform!)) as Parsed;
    const [policy] = resources(doc).filter((x) => x.type === 'aws_kms_key_policy');
    expect(policy!.body.policy).toContain('fleet-role-0');
    expect(policy!.body.policy).toContain('fleet-role-1');
  });

  it('makes one EC2 Instance Connect Endpoint per VPC, its group letting SSH out only to the instances\' groups', async () => {
    const r = report('fleet in two VPCs: full disks, no EC2 Instance Connect Endpoint');
    const doc = (await parse('plan.tf', r.plan.terraform!)) as Parsed;
    const eices = resources(doc).filter((x) => x.type === 'aws_ec2_instance_connect_endpoint');
    expect(eices).toHaveLength(2);
    expect(r.plan.cli.filter((c) => c.includes('create-instance-connect-endpoint'))).toHaveLength(2);
    const egress = resources(doc).filter((x) => x.type === 'aws_security_group_rule' && x.body.type === 'egress');
    const cliEgress = r.plan.cli.filter((c) => c.startsWith('aws ec2 authorize-security-group-egress --group-id "$EICE_SG_'));
    expect(egress.map((e) => e.body.source_security_group_id).sort()).toEqual(cliEgress.map((c) => /GroupId=(sg-\w+)/.exec(c)![1]).sort());
    expect(egress).toHaveLength(4);
  });
});
