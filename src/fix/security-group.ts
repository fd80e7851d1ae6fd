// Terraform for one security-group rule that allows TCP 443, shared by the security-group checks' fixes.
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
