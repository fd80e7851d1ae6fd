// Security-group rules that allow TCP 443 (Terraform of one rule; the instance's HTTPS egress as a fix), shared by the
// security-group checks and the session checks' fixes.
import type { Fix } from '../check/kit.js';
import { tfLabel } from '../eval/permissions.js';

export interface TfHttpsRule {
  /** Resource name before tfLabel. */
  name: string;
  type: 'ingress' | 'egress';
  securityGroupId: string;
  /** The peer: an address range, or a security group. */
  cidr?: string;
  sourceSecurityGroupId?: string;
  description: string;
}

/** `resource "aws_security_group_rule" ... { ... }` for TCP 443. */
export function tfHttpsRule(r: TfHttpsRule): string {
  return (
    // The AWS provider lets a group's rules be managed inline or as separate resources, never both.
    `# If ${r.securityGroupId} is managed with inline ${r.type} blocks, add this rule as one of them instead.\n` +
    `resource "aws_security_group_rule" "${tfLabel(r.name)}" {\n` +
    `  type              = "${r.type}"\n` +
    `  security_group_id = "${r.securityGroupId}"\n` +
    `  protocol          = "tcp"\n` +
    `  from_port         = 443\n` +
    `  to_port           = 443\n` +
    (r.sourceSecurityGroupId
      ? `  source_security_group_id = "${r.sourceSecurityGroupId}"\n`
      : `  cidr_blocks       = ["${r.cidr ?? '0.0.0.0/0'}"]\n`) +
    `  description       = "${r.description}"\n` +
    `}`
  );
}

/** A service's AWS-managed prefix list to allow HTTPS out to (its id when known, else looked up by name). */
export interface EgressPrefixList {
  service: string;
  id?: string;
}

/**
 * Outbound TCP 443 from the instance's security group `sg`: to the VPC's range (the interface endpoints), to
 * 0.0.0.0/0 (the public endpoints), to a service's prefix list (a gateway endpoint's addresses). A prefix list
 * whose id is unknown is looked up by its name first (`PL_S3=$(aws ec2 describe-managed-prefix-lists ...)`).
 */
export function egressFix(region: string, sg: string, to: { vpcCidr?: string; internet?: boolean; prefixLists?: EgressPrefixList[] }): Fix {
  const cidrs = [...(to.vpcCidr ? [to.vpcCidr] : []), ...(to.internet ? ['0.0.0.0/0'] : [])];
  const lists = [...new Map((to.prefixLists ?? []).map((l) => [l.service, l])).values()];
  const cli: string[] = cidrs.map(
    (c) => `aws ec2 authorize-security-group-egress --group-id ${sg} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=${c}}]' --region ${region}`,
  );
  const tf: string[] = cidrs.map((c) =>
    tfHttpsRule({
      name: `ec2_https_out_${sg}_${c === '0.0.0.0/0' ? 'internet' : 'vpc'}`,
      type: 'egress',
      securityGroupId: sg,
      cidr: c,
      description: `SSM Agent HTTPS to ${c === '0.0.0.0/0' ? 'the public AWS endpoints' : 'the interface endpoints'}`,
    }),
  );
  for (const l of lists) {
    const name = `com.amazonaws.${region}.${l.service}`;
    let id = l.id;
    if (!id) {
      const v = `PL_${l.service.toUpperCase()}`;
      cli.push(`${v}=$(aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=${name} --query 'PrefixLists[0].PrefixListId' --output text --region ${region})`);
      id = `$${v}`;
    }
    const perm = `IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=${id}}]`;
    cli.push(`aws ec2 authorize-security-group-egress --group-id ${sg} --ip-permissions ${l.id ? `'${perm}'` : `"${perm}"`} --region ${region}`);
    const data = tfLabel(`${l.service}_${region}`);
    tf.push(
      [
        ...(l.id ? [] : [`data "aws_prefix_list" "${data}" {`, `  name = "${name}"`, '}', '']),
        `resource "aws_security_group_rule" "${tfLabel(`ec2_https_out_${sg}_${l.service}`)}" {`,
        '  type              = "egress"',
        `  security_group_id = "${sg}"`,
        '  protocol          = "tcp"',
        '  from_port         = 443',
        '  to_port           = 443',
        `  prefix_list_ids   = [${l.id ? `"${l.id}"` : `data.aws_prefix_list.${data}.id`}]`,
        `  description       = "HTTPS to ${l.service} (its gateway endpoint)"`,
        '}',
      ].join('\n'),
    );
  }
  const what = [
    ...cidrs.map((c) => (c === '0.0.0.0/0' ? '0.0.0.0/0 (the public AWS endpoints)' : `${c} (the interface endpoints)`)),
    ...lists.map((l) => `the ${l.service} prefix list${l.id ? ` ${l.id}` : ` (com.amazonaws.${region}.${l.service})`}`),
  ];
  return { summary: `Allow outbound TCP 443 from ${sg} to ${what.join(' and ')}.`, cli, terraform: tf.join('\n\n') };
}
