// Ways into an instance without Session Manager, to install or repair the SSM Agent: an EC2 Instance Connect
// Endpoint (the VPC's own, or how to create one) with the security-group rules it needs, and the EC2 serial console.
import type { TargetContext } from '../check/kit.js';
import type { Instance, InstanceConnectEndpoint, SecurityGroup } from '../facts/facts.js';
import { cidrCovers, sgGroupsAllow, sgRuleCoversTraffic } from '../eval/net.js';
import { tfLabel } from '../eval/permissions.js';
import { endpointSubnets, shellVar } from './endpoints.js';
import { waitForState } from './retry.js';

export interface WaysIn {
  /** One sentence: which way in, and what must change first. */
  summary: string;
  /** Commands to get in (EC2 Instance Connect Endpoint, and the rules it needs), ending with the connection itself. */
  cli: string[];
  terraform?: string;
  data: Record<string, unknown>;
}

function groups(ctx: TargetContext, ids: string[]): SecurityGroup[] | undefined {
  const out: SecurityGroup[] = [];
  for (const id of ids) {
    const g = ctx.facts.securityGroups[id];
    if (!g?.ok) return undefined;
    out.push(g.value);
  }
  return out;
}

/** The instance's groups admit the port from the endpoint (its groups, or a CIDR covering its subnet); undefined = unknown. */
function ingressFromEndpoint(ctx: TargetContext, inst: Instance, e: InstanceConnectEndpoint, port: number): boolean | undefined {
  const mine = groups(ctx, inst.securityGroupIds);
  if (!mine) return undefined;
  if (sgGroupsAllow(mine, 'ingress', { protocol: 'tcp', port, peer: { groupIds: e.securityGroupIds } })?.result === 'match') return true;
  const subnet = e.subnetId ? ctx.facts.subnets[e.subnetId] : undefined;
  const cidr = subnet?.ok ? subnet.value.cidr : undefined;
  if (!cidr) return false;
  return mine.some((g) => g.ingress.some((r) => sgRuleCoversTraffic(r, 'tcp', port) && r.cidrs.some((c) => cidrCovers(c, cidr))));
}

/** The endpoint's groups let it open the port to the instance; undefined = unknown. */
function egressToInstance(ctx: TargetContext, inst: Instance, e: InstanceConnectEndpoint, port: number): boolean | undefined {
  const theirs = groups(ctx, e.securityGroupIds);
  if (!theirs) return undefined;
  const q = { protocol: 'tcp', port, peer: { ip: inst.privateIp, groupIds: inst.securityGroupIds } };
  return sgGroupsAllow(theirs, 'egress', q)?.result === 'match';
}

function connectCommand(inst: Instance, region: string, windows: boolean, sshUser: string): string {
  if (windows) return `aws ec2-instance-connect open-tunnel --instance-id ${inst.id} --remote-port 3389 --local-port 13389 --region ${region}`;
  const key = inst.keyName ? ` --private-key-file ~/.ssh/${inst.keyName}.pem` : '';
  return `aws ec2-instance-connect ssh --instance-id ${inst.id} --connection-type eice --os-user ${sshUser}${key} --region ${region}`;
}

/** What the connect command needs, for the summary. */
function connectNote(inst: Instance, windows: boolean): string {
  if (windows) return 'then point your RDP client at localhost:13389';
  return inst.keyName
    ? `the ssh command logs in with the launch key pair ${inst.keyName} (adjust the path to its .pem file)`
    : 'without a key pair, the ssh command sends a one-time key, which needs EC2 Instance Connect on the instance (Amazon Linux, Ubuntu)';
}

/** The other way in, for the summary. */
function serialConsoleNote(inst: Instance, region: string, windows: boolean): string {
  return (
    `or use the EC2 serial console (Nitro instance types${inst.instanceType ? `; this one is ${inst.instanceType}` : ''}; ` +
    `${windows ? 'SAC enabled in Windows' : 'an OS user with a password'}; aws ec2 enable-serial-console-access --region ${region} once per account and region)`
  );
}

/** How to get a shell on the instance without Session Manager. */
export function waysIn(ctx: TargetContext, inst: Instance, sshUser: string): WaysIn {
  const region = ctx.region;
  const windows = inst.platform === 'windows';
  const port = windows ? 3389 : 22;
  const what = windows ? 'RDP (3389)' : 'SSH (22)';
  const listed = inst.vpcId ? ctx.facts.instanceConnectEndpoints[inst.vpcId] : undefined;
  const ready = listed?.ok ? listed.value.filter((e) => e.state === 'create-complete') : [];
  const e = ready.find((x) => x.subnetId === inst.subnetId) ?? ready[0];

  if (e) {
    const cli: string[] = [];
    const tf: string[] = [];
    const notes: string[] = [];
    const sg = inst.securityGroupIds[0];
    const endpointSg = e.securityGroupIds[0];
    const ingress = ingressFromEndpoint(ctx, inst, e, port);
    const egress = egressToInstance(ctx, inst, e, port);
    if (ingress === false && sg && endpointSg) {
      notes.push(`security group ${sg} must admit ${what} from the endpoint's group ${endpointSg}`);
      cli.push(`aws ec2 authorize-security-group-ingress --group-id ${sg} --protocol tcp --port ${port} --source-group ${endpointSg} --region ${region}`);
      tf.push(sgRuleTf(`${sg}_from_${endpointSg}_${port}`, sg, { group: endpointSg }, port, 'ingress'));
    }
    if (egress === false && sg && endpointSg) {
      notes.push(`the endpoint's group ${endpointSg} must allow ${what} out to ${sg}`);
      cli.push(
        `aws ec2 authorize-security-group-egress --group-id ${endpointSg} --ip-permissions 'IpProtocol=tcp,FromPort=${port},ToPort=${port},UserIdGroupPairs=[{GroupId=${sg}}]' --region ${region}`,
      );
      tf.push(sgRuleTf(`${endpointSg}_to_${sg}_${port}`, endpointSg, { group: sg }, port, 'egress'));
    }
    if (ingress === undefined || egress === undefined) notes.push('ssm-doctor could not read every security group involved to confirm the rules');
    return {
      summary:
        `Get in through EC2 Instance Connect Endpoint ${e.id} (in ${inst.vpcId})` +
        (notes.length ? `; first, ${notes.join('; ')}` : ': the security groups already allow it') +
        `; ${connectNote(inst, windows)}; ${serialConsoleNote(inst, region, windows)}.`,
      cli: [...cli, connectCommand(inst, region, windows, sshUser)],
      terraform: tf.length ? tf.join('\n\n') : undefined,
      data: { instanceConnectEndpoint: e.id, securityGroupsAllow: ingress !== false && egress !== false },
    };
  }

  if (!inst.vpcId || !inst.subnetId) {
    return {
      summary: `${inst.id} is not in a VPC subnet: ${serialConsoleNote(inst, region, windows).replace(/^or /, '')}.`,
      cli: [],
      data: { instanceConnectEndpoint: null },
    };
  }
  const sg = inst.securityGroupIds[0];
  const unreadable = listed && !listed.ok ? ` (ssm-doctor could not list them: ${listed.error.api} ${listed.error.code})` : '';
  const pending = listed?.ok && listed.value.length ? ` (${listed.value.map((x) => `${x.id} is ${x.state}`).join(', ')})` : '';
  // One endpoint per VPC (it reaches every subnet of it): the same subnet, group and shell variables for every
  // instance of the VPC in this run, so a fleet's fixes merge into one endpoint per VPC.
  const vpcId = inst.vpcId;
  const subnetId = endpointSubnets(ctx, vpcId, inst.subnetId)[0]!;
  const sgVar = shellVar('EICE_SG', vpcId);
  const idVar = shellVar('EICE', vpcId);
  const groupName = `ssm-doctor-eice-${vpcId}`;
  // The group lets the endpoint open the port to the instance's group and nothing else: AWS gives a new group an
  // allow-all egress rule, which the commands revoke (Terraform removes it by itself).
  const to = sg ? `UserIdGroupPairs=[{GroupId=${sg}}]` : 'IpRanges=[{CidrIp=0.0.0.0/0}]';
  const cli = [
    `${sgVar}=$(aws ec2 create-security-group --group-name ${groupName} --description "EC2 Instance Connect Endpoint" --vpc-id ${vpcId} --query GroupId --output text --region ${region})`,
    `aws ec2 revoke-security-group-egress --group-id "$${sgVar}" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]' --region ${region}`,
    `aws ec2 authorize-security-group-egress --group-id "$${sgVar}" --ip-permissions 'IpProtocol=tcp,FromPort=${port},ToPort=${port},${to}' --region ${region}`,
    ...(sg ? [`aws ec2 authorize-security-group-ingress --group-id ${sg} --protocol tcp --port ${port} --source-group "$${sgVar}" --region ${region}`] : []),
    `${idVar}=$(aws ec2 create-instance-connect-endpoint --subnet-id ${subnetId} --security-group-ids "$${sgVar}" --query InstanceConnectEndpoint.InstanceConnectEndpointId --output text --region ${region})`,
    // Bounded (10 minutes) and stopped at once by create-failed: an `until` loop would wait forever.
    waitForState({
      variable: shellVar('EICE_STATE', vpcId),
      stateCommand: `aws ec2 describe-instance-connect-endpoints --instance-connect-endpoint-ids "$${idVar}" --query 'InstanceConnectEndpoints[0].State' --output text --region ${region}`,
      done: 'create-complete',
      failed: 'create-failed',
      what: `EC2 Instance Connect Endpoint $${idVar}`,
      attempts: 40,
      seconds: 15,
    }),
    connectCommand(inst, region, windows, sshUser),
  ];
  const label = tfLabel(vpcId);
  const group = `aws_security_group.eice_${label}.id`;
  const terraform = [
    "# No egress block: Terraform removes the allow-all rule AWS adds; the group's only rules are the ones below.",
    `resource "aws_security_group" "eice_${label}" {`,
    `  name        = "${groupName}"`,
    '  description = "EC2 Instance Connect Endpoint"',
    `  vpc_id      = "${vpcId}"`,
    '}',
    '',
    sgRuleTf(`eice_${vpcId}_to_${sg ?? 'anywhere'}_${port}`, group, sg ? { group: sg } : { cidr: '0.0.0.0/0' }, port, 'egress'),
    '',
    ...(sg ? [sgRuleTf(`${sg}_from_eice_${port}`, sg, { group }, port, 'ingress'), ''] : []),
    `resource "aws_ec2_instance_connect_endpoint" "${label}" {`,
    `  subnet_id          = "${subnetId}"`,
    `  security_group_ids = [${group}]`,
    '}',
  ].join('\n');
  return {
    summary:
      `${inst.vpcId} has no usable EC2 Instance Connect Endpoint${unreadable}${pending}: create one (free, a few minutes) in ` +
      `${subnetId} whose security group may reach only ${what} on the instance; ${connectNote(inst, windows)}; ` +
      `${serialConsoleNote(inst, region, windows)}.`,
    cli,
    terraform,
    data: { instanceConnectEndpoint: null },
  };
}

/**
 * An aws_security_group_rule letting `port` in (ingress, from the other side) or out (egress, to it); the other side
 * is a group (an id or a reference) or a CIDR. `groupId` may be a reference too.
 */
function sgRuleTf(name: string, groupId: string, other: { group: string } | { cidr: string }, port: number, direction: 'ingress' | 'egress'): string {
  const value = (x: string) => (x.startsWith('aws_') ? x : `"${x}"`);
  return [
    `resource "aws_security_group_rule" "${tfLabel(name)}" {`,
    `  type                     = "${direction}"`,
    `  security_group_id        = ${value(groupId)}`,
    '  protocol                 = "tcp"',
    `  from_port                = ${port}`,
    `  to_port                  = ${port}`,
    'group' in other ? `  source_security_group_id = ${value(other.group)}` : `  cidr_blocks              = ["${other.cidr}"]`,
    `  description              = "${direction === 'ingress' ? 'SSH/RDP from EC2 Instance Connect Endpoint' : 'EC2 Instance Connect Endpoint to the instance'}"`,
    '}',
  ].join('\n');
}
