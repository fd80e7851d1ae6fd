import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentInstalled } from '../../checks/agent.installed.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type Image } from '../../src/facts/facts.js';
import {
  AMI_AL2023,
  AMI_RHEL,
  EICE,
  IMAGE_AL2023,
  IMAGE_RHEL,
  MI,
  SG_EICE,
  consoleEvidence,
  hybridNode,
  offline,
  withInstanceConnectEndpoint,
} from '../fixtures/evidence.js';
import { expectRunnableCli, expectValidHcl } from '../fixtures/fix-syntax.js';
import { ACCOUNT, IID, SG_EC2, SUBNET, VPC, denied, val, world } from '../fixtures/world.js';
import { userDataTerraform } from '../../src/fix/install-agent.js';
import { S3_PREFIX_LIST, all, httpsEgressAnywhere, natRoute, s3Egress, s3Gateway } from '../fixtures/session-targets.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(agentInstalled, { facts, id: facts.targets[0]!, region: facts.region });
};
const NO_START = consoleEvidence({ agentStarts: [] });
/** Never registered, launched from `image` (served by DescribeImages), the console without an agent start. */
const neverRegistered = (image: Image | null, id = image?.id ?? AMI_RHEL, edit?: (f: Facts) => void) =>
  run((f) => {
    offline(f, { ami: { id, image, platformDetails: image?.platformDetails }, console: NO_START });
    edit?.(f);
  });
const image = (over: Partial<Image>): Image => ({ ...IMAGE_RHEL, ...over });

describe('agent.installed', () => {
  it('passes for a registered agent (Online or not): it is installed', () => {
    expect(run()).toMatchObject({ status: 'pass', data: { registered: true } });
    expect(run((f) => offline(f, { lastPing: '2026-11-29T07:00:00.000Z' })).status).toBe('pass');
  });

  it('fails for a RHEL AMI published by Red Hat: install commands for RHEL, user data, and how to get in', () => {
    const r = neverRegistered(IMAGE_RHEL);
    expect(r.status).toBe('fail');
    expect(r.subject).toBe(AMI_RHEL);
    expect(r.detail).toContain(`AMI ${AMI_RHEL} (RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3, published by account 309956199498): Red Hat Enterprise Linux`);
    expect(r.detail).toMatch(/does not ship the SSM Agent/);
    expect(r.detail).toMatch(/shows no agent start since the last boot/);
    const onInstance = r.fix!.onInstance!.join('\n');
    expect(onInstance).toContain("sudo yum install -y --disablerepo='*' https://s3.us-east-1.amazonaws.com/amazon-ssm-us-east-1/latest/linux_amd64/amazon-ssm-agent.rpm");
    expect(onInstance).toContain('sudo systemctl enable --now amazon-ssm-agent');
    // No EC2 Instance Connect Endpoint in the VPC: how to create one (waiting until it is usable), then SSH through it.
    const cli = r.fix!.cli.join('\n');
    expect(cli).toContain(`aws ec2 create-instance-connect-endpoint --subnet-id ${SUBNET} --security-group-ids "$EICE_SG_0a1b2c3d4e5f60718"`);
    expect(cli).toContain(
      "EICE_STATE_0a1b2c3d4e5f60718=; for attempt in $(seq 40); do EICE_STATE_0a1b2c3d4e5f60718=$(aws ec2 describe-instance-connect-endpoints --instance-connect-endpoint-ids \"$EICE_0a1b2c3d4e5f60718\" --query 'InstanceConnectEndpoints[0].State' --output text --region us-east-1); " +
        'case "$EICE_STATE_0a1b2c3d4e5f60718" in create-complete|create-failed) break ;; esac; sleep 15; done; [ "$EICE_STATE_0a1b2c3d4e5f60718" = create-complete ] || echo "EC2 Instance Connect Endpoint $EICE_0a1b2c3d4e5f60718 is ${EICE_STATE_0a1b2c3d4e5f60718:-unknown}, not create-complete" >&2',
    );
    expect(cli).toContain(`aws ec2 authorize-security-group-ingress --group-id ${SG_EC2} --protocol tcp --port 22 --source-group "$EICE_SG_0a1b2c3d4e5f60718" --region us-east-1`);
    expect(r.fix!.cli.at(-1)).toBe(`aws ec2-instance-connect ssh --instance-id ${IID} --connection-type eice --os-user ec2-user --private-key-file ~/.ssh/ops-2026.pem --region us-east-1`);
    expect(r.detail).toContain('aws ec2 enable-serial-console-access --region us-east-1');
    expect(r.detail).toContain('launch key pair ops-2026');
    expectRunnableCli(r.fix);
    const tf = r.fix!.terraform!;
    expect(tf).toContain('locals {\n  ssm_agent_install_rhel = <<-EOT');
    expect(tf).toContain("      if yum install -y --disablerepo='*' https://s3.us-east-1.amazonaws.com/amazon-ssm-us-east-1/latest/linux_amd64/amazon-ssm-agent.rpm; then installed=yes; break; fi");
    expect(tf).toContain('resource "aws_ec2_instance_connect_endpoint"');
    expectValidHcl(tf);
  });

  describe('the download: the install fetches the agent from S3 in the region', () => {
    const rhel = (edit?: (f: Facts) => void) => neverRegistered(IMAGE_RHEL, AMI_RHEL, edit);

    it('gives a subnet without any way to S3 the free S3 gateway endpoint and the egress to its prefix list, or says how to copy the package in', () => {
      const r = rhel();
      expect(r.detail).toContain("The instance's subnet has no way to S3 (https://s3.us-east-1.amazonaws.com), where the install downloads the agent from");
      expect(r.fix!.cli.slice(0, 3)).toEqual([
        `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids rtb-0main --region us-east-1`,
        "PL_S3=$(aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3 --query 'PrefixLists[0].PrefixListId' --output text --region us-east-1)",
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions "IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=$PL_S3}]" --region us-east-1`,
      ]);
      expect(r.detail).toContain(
        `scp -i ~/.ssh/ops-2026.pem -o ProxyCommand='aws ec2-instance-connect open-tunnel --instance-id ${IID} --region us-east-1' amazon-ssm-agent.rpm ec2-user@${IID}:/tmp/`,
      );
      expect(r.fix!.terraform).toContain('resource "aws_vpc_endpoint" "s3_rtb_0main"');
      expect(r.fix!.terraform).toContain('prefix_list_ids   = [data.aws_prefix_list.s3_us_east_1.id]');
      expectRunnableCli(r.fix);
      expectValidHcl(r.fix!.terraform);
    });

    it('adds nothing when the subnet reaches S3: a gateway endpoint its security group allows, or a NAT gateway', () => {
      const viaGateway = rhel(all(s3Gateway, s3Egress));
      expect(viaGateway.fix!.cli.join('\n')).not.toMatch(/Gateway|PrefixList/);
      expect(viaGateway.detail).not.toContain('no way to S3');
      const viaNat = rhel(all(natRoute, httpsEgressAnywhere));
      expect(viaNat.fix!.cli.join('\n')).not.toMatch(/create-vpc-endpoint|authorize-security-group-egress --group-id sg-/);
      // A gateway endpoint the security group does not let HTTPS out to: only the egress rule is missing.
      const blocked = rhel(s3Gateway);
      expect(blocked.fix!.cli[0]).toBe(
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=${S3_PREFIX_LIST}}]' --region us-east-1`,
      );
    });

    it('downloads the Windows setup from the regional bucket too (TLS 1.2 forced), so the S3 gateway endpoint serves it', () => {
      const win = neverRegistered(
        image({ ownerId: '801119661308', ownerAlias: 'amazon', name: 'Windows_Server-2012-R2_RTM-English-64Bit-Base-2015.10.26', platformDetails: 'Windows', creationDate: '2015-10-28T00:00:00.000Z' }),
        AMI_RHEL,
        (f) => (val(f.instances[IID])!.platform = 'windows'),
      );
      const onInstance = win.fix!.onInstance!.join('\n');
      expect(onInstance).toContain('[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12');
      expect(onInstance).toContain('Invoke-WebRequest https://s3.us-east-1.amazonaws.com/amazon-ssm-us-east-1/latest/windows_amd64/AmazonSSMAgentSetup.exe');
      expect(onInstance).not.toContain('https://s3.amazonaws.com/');
      expect(win.fix!.cli[0]).toContain('create-vpc-endpoint --vpc-id');
      expect(win.detail).toContain('copy it in over the RDP session');
      expect(win.detail).not.toContain('scp ');
      expectRunnableCli(win.fix, { windows: true });
      expectValidHcl(win.fix!.terraform);
    });

    it('says the download may fail, without commands, when the way to S3 cannot be proven (transit gateway)', () => {
      const r = rhel((f) => val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' }));
      expect(r.detail).toMatch(/which the instance's subnet may not reach: .*cannot be proven to reach S3/);
      expect(r.fix!.cli.join('\n')).not.toContain('create-vpc-endpoint');
    });

    it('user data retries the download, logs every failure and never aborts the boot (no set -e)', () => {
      const tf = rhel().fix!.terraform!;
      const body = /<<-EOT\n([\s\S]*?)\n\s*EOT/.exec(tf)![1]!.replace(/^ {4}/gm, '').replace(/\$\$\{/g, '${');
      expect(body).not.toMatch(/set -e/);
      expect(body).toContain('for attempt in $(seq 5); do');
      expect(body).toContain('echo "ssm-agent install: attempt $attempt of 5 failed" >&2');
      expect(body).toMatch(/gave up after 5 attempts: can this subnet reach https:\/\/s3\.us-east-1\.amazonaws\.com/);
      const parsed = spawnSync('bash', ['-n'], { input: body, encoding: 'utf8' });
      expect(parsed.stderr).toBe('');
      // Run with every command failing (no network): it gives up after 5 attempts, says so, and exits without aborting.
      const bin = mkdtempSync(path.join(tmpdir(), 'userdata-'));
      for (const tool of ['yum', 'systemctl', 'sleep']) writeFileSync(path.join(bin, tool), tool === 'sleep' ? '#!/bin/sh\nexit 0\n' : '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      const ran = spawnSync('bash', ['-s'], { input: `${body}\necho reached-the-end`, encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
      rmSync(bin, { recursive: true, force: true });
      expect(ran.stdout).toContain('reached-the-end');
      expect(ran.stderr.match(/attempt \d of 5 failed/g)).toHaveLength(5);
      expect(ran.stderr).toContain('gave up after 5 attempts');
      expect(ran.stderr).toContain('the agent did not start');
    });

    it('user data escapes what Terraform would interpolate in a heredoc', () => {
      expect(userDataTerraform('x', 'echo "${HOME}" %{ if }')).toContain('echo "$${HOME}" %%{ if }');
    });
  });

  it('uses the VPC\'s EC2 Instance Connect Endpoint, and says the instance SG must admit SSH from it', () => {
    const r = neverRegistered(IMAGE_RHEL, AMI_RHEL, withInstanceConnectEndpoint);
    const cli = r.fix!.cli.join('\n');
    expect(r.detail).toContain(`EC2 Instance Connect Endpoint ${EICE}`);
    expect(r.detail).toContain(`security group ${SG_EC2} must admit SSH (22) from the endpoint's group ${SG_EICE}`);
    expect(cli).toContain(`aws ec2 authorize-security-group-ingress --group-id ${SG_EC2} --protocol tcp --port 22 --source-group ${SG_EICE} --region us-east-1`);
    expect(cli).not.toContain('create-instance-connect-endpoint');
    expect(cli).not.toContain(`authorize-security-group-egress --group-id ${SG_EICE}`);
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix!.terraform);
  });

  it('says nothing is missing when the SGs already allow the endpoint; asks for egress when the endpoint SG blocks it', () => {
    const allowed = neverRegistered(IMAGE_RHEL, AMI_RHEL, (f) => {
      withInstanceConnectEndpoint(f);
      val(f.securityGroups[SG_EC2]).ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: [], ipv6Cidrs: [], groupIds: [SG_EICE], prefixListIds: [] });
    });
    expect(allowed.detail).toMatch(/security groups already allow it/);
    expect(allowed.fix!.cli.filter((c) => /--port 22|FromPort=22/.test(c))).toEqual([]);
    const noEgress = neverRegistered(IMAGE_RHEL, AMI_RHEL, (f) => {
      withInstanceConnectEndpoint(f);
      val(f.securityGroups[SG_EC2]).ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['10.0.0.0/16'], ipv6Cidrs: [], groupIds: [], prefixListIds: [] });
      val(f.securityGroups[SG_EICE]).egress = [];
    });
    expect(noEgress.fix!.cli.join('\n')).toContain(`aws ec2 authorize-security-group-egress --group-id ${SG_EICE}`);
    expect(noEgress.fix!.cli.join('\n')).not.toContain('authorize-security-group-ingress');
    expectRunnableCli(noEgress.fix);
  });

  it('passes when the console shows the agent starting, whatever the AMI', () => {
    const r = run((f) => offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL } }));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/Amazon SSM Agent v3\.3\.1142\.0 is running/);
  });

  it('warns, not fails, right after launch (user data may still be installing it)', () => {
    const r = neverRegistered(IMAGE_RHEL, AMI_RHEL, (f) => (val(f.instances[IID])!.launchTime = '2026-11-29T09:55:00.000Z'));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/launched 5 minutes ago/);
  });

  it('warns for a RHEL image not published by Red Hat (a copy or a custom build may have the agent)', () => {
    const r = neverRegistered(image({ ownerId: ACCOUNT, name: 'RHEL-9-golden-2026-11' }));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/not published by its maker/);
    expectRunnableCli(r.fix);
  });

  it.each([
    ['AL2023', IMAGE_AL2023, 'pass'],
    ['AL2023 minimal', { ...IMAGE_AL2023, name: 'al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-x86_64' }, 'fail'],
    ['Ubuntu 22.04', image({ ownerId: '099720109477', name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240927', platformDetails: 'Linux/UNIX' }), 'pass'],
    ['Debian 12', image({ ownerId: '136693071363', name: 'debian-12-amd64-20241004-1890', platformDetails: 'Linux/UNIX' }), 'fail'],
    ['Rocky 9', image({ ownerId: '792107900819', name: 'Rocky-9-EC2-Base-9.4-20240523.0.x86_64', platformDetails: 'Linux/UNIX' }), 'fail'],
    ['AlmaLinux 9', image({ ownerId: '764336703387', name: 'AlmaLinux OS 9.4.20240507 x86_64', platformDetails: 'Linux/UNIX' }), 'fail'],
    ['Oracle Linux 8', image({ ownerId: '131827586825', name: 'OL8.9-x86_64-HVM-2024-02-02', platformDetails: 'Linux/UNIX' }), 'fail'],
    ['CentOS Stream 9', image({ ownerId: '125523088429', name: 'CentOS Stream 9 x86_64 20241007', platformDetails: 'Linux/UNIX' }), 'fail'],
    ['SLES 15', image({ ownerId: '013907871322', name: 'suse-sles-15-sp6-v20241001-hvm-ssd-x86_64', platformDetails: 'SUSE Linux' }), 'pass'],
    ['Windows Server 2022', image({ ownerId: '801119661308', ownerAlias: 'amazon', name: 'Windows_Server-2022-English-Full-Base-2024.10.09', platformDetails: 'Windows' }), 'pass'],
    ['Windows Server 2012 R2 from 2015', image({ ownerId: '801119661308', ownerAlias: 'amazon', name: 'Windows_Server-2012-R2_RTM-English-64Bit-Base-2015.10.26', platformDetails: 'Windows', creationDate: '2015-10-28T00:00:00.000Z' }), 'warn'],
    ['a custom image', image({ ownerId: ACCOUNT, name: 'app-server-2026-11-20', description: 'built by packer', platformDetails: 'Linux/UNIX' }), 'warn'],
    ['a Marketplace RHEL listing', image({ ownerId: '679593333241', ownerAlias: 'aws-marketplace', name: 'RHEL-9.4-hardened-CIS-20241001' }), 'warn'],
  ])('%s: %s', (_name, img, status) => {
    const r = neverRegistered(img as Image);
    expect(r.status).toBe(status);
    if (r.fix) {
      expectRunnableCli(r.fix);
      expectValidHcl(r.fix.terraform);
    }
  });

  it('gives the family\'s own install and SSH user: Debian (.deb, admin), AL2023 minimal (dnf), Windows (PowerShell, RDP tunnel)', () => {
    const debian = neverRegistered(image({ ownerId: '136693071363', name: 'debian-12-amd64-20241004-1890', architecture: 'arm64' }));
    expect(debian.fix!.onInstance!.join('\n')).toContain('https://s3.us-east-1.amazonaws.com/amazon-ssm-us-east-1/latest/debian_arm64/amazon-ssm-agent.deb');
    expect(debian.fix!.cli.join('\n')).toContain('--os-user admin');
    expectRunnableCli(debian.fix);
    const minimal = neverRegistered({ ...IMAGE_AL2023, name: 'al2023-ami-minimal-2023.6.20241212.0-kernel-6.1-x86_64' });
    expect(minimal.fix!.onInstance).toContain('sudo dnf install -y amazon-ssm-agent || sudo yum install -y amazon-ssm-agent');
    expectRunnableCli(minimal.fix);
    const custom = neverRegistered(image({ ownerId: ACCOUNT, name: 'app-server-2026-11-20', description: 'built by packer', platformDetails: 'Linux/UNIX' }));
    expect(custom.fix!.onInstance![0]).toMatch(/^sudo sh -c 'if command -v snap/);
    expectRunnableCli(custom.fix);
    const windows = neverRegistered(image({ ownerId: '801119661308', ownerAlias: 'amazon', name: 'Windows_Server-2012-R2_RTM-English-64Bit-Base-2015.10.26', platformDetails: 'Windows', creationDate: '2015-10-28T00:00:00.000Z' }), AMI_RHEL, (f) => (val(f.instances[IID])!.platform = 'windows'));
    const cli = windows.fix!.cli.join('\n');
    expect(windows.fix!.onInstance!.join('\n')).toContain('AmazonSSMAgentSetup.exe');
    expect(cli).toContain('open-tunnel --instance-id');
    expect(cli).toContain('--port 3389');
    expect(windows.detail).toContain('localhost:13389');
    expect(windows.fix!.terraform).toContain('<powershell>');
    expectRunnableCli(windows.fix, { windows: true });
    expectValidHcl(windows.fix!.terraform);
  });

  it('falls back to the instance platform when the AMI is gone: a likelihood, never a fail', () => {
    const rhel = run((f) => offline(f, { ami: { id: AMI_RHEL, image: null, platformDetails: 'Red Hat Enterprise Linux' }, console: NO_START }));
    expect(rhel.status).toBe('warn');
    expect(rhel.detail).toMatch(/deregistered or not visible/);
    const linux = run((f) => offline(f, { ami: { id: AMI_AL2023, image: null, platformDetails: 'Linux/UNIX' }, console: NO_START }));
    expect(linux.status).toBe('warn');
    const suse = run((f) => offline(f, { ami: { id: AMI_AL2023, image: null, platformDetails: 'SUSE Linux' }, console: NO_START }));
    expect(suse.status).toBe('pass');
  });

  it('errors when the AMI could not be read (naming the permission) or was not collected; skips without an AMI id', () => {
    const denies = run((f) => {
      offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: NO_START });
      f.images[AMI_RHEL] = failed(denied('ec2:DescribeImages'));
    });
    expect(denies.status).toBe('error');
    expect(denies.detail).toMatch(/Grant ec2:DescribeImages/);
    const missing = run((f) => {
      offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: NO_START });
      delete f.images[AMI_RHEL];
    });
    expect(missing.status).toBe('error');
    expect(run((f) => offline(f, { console: NO_START })).status).toBe('skip');
  });

  it('skips hybrid nodes and stopped instances; errors when the registration could not be read', () => {
    expect(run((f) => hybridNode(f)).status).toBe('skip');
    expect(run((f) => (val(f.instances[IID])!.state = 'stopped')).status).toBe('skip');
    expect(run((f) => (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException')))).status).toBe('error');
  });

  it('the user data is a locals block named after the OS family (Terraform never partial)', () => {
    const r = run((f) => {
      offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: NO_START });
      delete val(f.instances[IID])!.instanceType;
      f.instanceConnectEndpoints[VPC] = ok([]);
    });
    expect(r.fix!.terraform).toMatch(/^# Use local\.ssm_agent_install_rhel as user_data of the aws_instance or aws_launch_template/m);
    expect(r.fix!.terraform).not.toContain('resource "aws_instance"');
    expectValidHcl(r.fix!.terraform);
  });
});
