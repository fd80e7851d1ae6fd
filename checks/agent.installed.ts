// Guards: there is an SSM Agent on the instance at all: its AMI ships one (Amazon Linux, Ubuntu, SLES, Windows, macOS...) or it was installed; RHEL, CentOS, Rocky, Alma, Debian, Oracle Linux and AL2023 minimal do not ship it.
import { NeedFact, SkipCheck, need, skip, type Check, type Fix, type TargetContext } from '../src/check/kit.js';
import { offlineEvidence } from '../src/check/evidence-check.js';
import type { ConsoleEvidence, Instance } from '../src/facts/facts.js';
import { agentTargetOf, instanceOf } from '../src/facts/lookup.js';
import { assessImage, type AmiAssessment, type Installer } from '../src/eval/ami.js';
import { s3Way, type S3Way } from '../src/eval/service-reach.js';
import { installOnInstance, installUserData, packageUrl } from '../src/fix/install-agent.js';
import { FRESH_LAUNCH_MINUTES, minutesBetween } from '../src/fix/reboot.js';
import { waysIn } from '../src/fix/ways-in.js';

export const agentInstalled: Check = {
  meta: {
    id: 'agent.installed',
    fixRestartsAgent: true,
    title: 'SSM Agent is installed',
    group: 'agent',
    description:
      'For an instance that never registered: whether its AMI ships the SSM Agent (ec2:DescribeImages: publisher, name; ' +
      'the instance\'s platform when the AMI is gone). RHEL, CentOS, Rocky, AlmaLinux, Debian, Oracle Linux, AL2023 ' +
      'minimal and most custom images do not.',
    fixes: 'install the agent now (through EC2 Instance Connect Endpoint or the serial console) and in user_data',
    explains: ['agent.ping', 'session.connection', 'agent.console', 'agent.version'],
  },
  run(ctx) {
    if (agentTargetOf(ctx).managedNode) skip(`${ctx.id} is a hybrid node: its agent registered it, so it is installed`);
    const inst = instanceOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const reg = need(ctx.facts.agents[ctx.id], `the SSM registration of ${inst.id}`);
    if (reg) {
      return {
        status: 'pass',
        detail: `Registered${reg.agentVersion ? ` (agent ${reg.agentVersion})` : ''}.`,
        data: { registered: true, agentVersion: reg.agentVersion },
      };
    }

    const console = consoleOf(ctx.facts.consoleEvidence[ctx.id]);
    if (console?.agentStarts.length) {
      return {
        status: 'pass',
        detail:
          `The SSM Agent is installed on ${inst.id}: the serial console shows it starting since the last boot ` +
          `("${console.agentStarts[console.agentStarts.length - 1]}"). It never registered: it cannot get credentials or ` +
          'cannot reach the ssm endpoint (see the iam.* and network checks), or it backs off after a late fix.',
        data: { registered: false, consoleShowsStart: true },
      };
    }
    if (!inst.imageId) skip(`the AMI of ${inst.id} is not in the facts (a snapshot of an older ssm-doctor?)`);
    const image = offlineEvidence(ctx, ctx.facts.images[inst.imageId], `the AMI ${inst.imageId} (ec2:DescribeImages)`);
    const a = assessImage(image, inst);
    const data = { registered: false, imageId: inst.imageId, family: a.family?.id, ships: a.ships, confident: a.confident };

    if (a.ships === 'yes') {
      return {
        status: 'pass',
        detail:
          `${cap(a.basis)}, which ships the SSM Agent. ${inst.id} never registered all the same: the agent is stopped, cannot get ` +
          'credentials or cannot reach the ssm endpoint (see the iam.* and network checks, and agent.console).',
        data,
      };
    }
    const age = minutesBetween(inst.launchTime, ctx.facts.collectedAt);
    const fresh = age !== undefined && age >= 0 && age < FRESH_LAUNCH_MINUTES;
    const consoleNote = consoleSays(console);
    const install = installFix(ctx, inst, a, image?.architecture);
    if (a.ships === 'no' && a.confident && !fresh) {
      return {
        status: 'fail',
        summary: `AMI ${inst.imageId} (${a.family?.label ?? 'unknown OS'}) does not ship the SSM Agent: instances launched from it never register.`,
        detail:
          `${cap(a.basis)}, which does not ship the SSM Agent, and ${inst.id} never registered: nothing on it can answer ` +
          `Session Manager unless the agent was installed after launch.${consoleNote}${install.notes}`,
        fix: install.fix,
        data,
        subject: inst.imageId,
      };
    }
    const why =
      a.ships === 'no'
        ? fresh
          ? ` ${inst.id} launched ${Math.floor(age!)} minutes ago: if its user data installs the agent, give it a few minutes.`
          : ' The agent is there only if the image\'s builder or the user data installed it.'
        : ' ssm-doctor cannot tell whether this image includes the agent.';
    return {
      status: 'warn',
      detail: `${cap(a.basis)}${a.ships === 'no' ? ', which does not ship the SSM Agent' : ''}, and ${inst.id} never registered.${why}${consoleNote}${install.notes}`,
      fix: install.fix,
      data,
      subject: inst.imageId,
    };
  },
};

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The console evidence when it was read successfully. */
function consoleOf(f: { ok: boolean; value?: ConsoleEvidence } | undefined): ConsoleEvidence | undefined {
  return f?.ok ? f.value : undefined;
}

function consoleSays(c: ConsoleEvidence | undefined): string {
  if (!c) return ' (The serial console was not read.)';
  if (c.empty) return ' The serial console output is empty.';
  return c.bootSeen ? ' The serial console shows no agent start since the last boot.' : ' The serial console output shows no agent start.';
}

/**
 * The install, and the notes that go with it (the way to S3, the way in and its alternatives) for the finding's
 * detail: the fix's summary stays a few lines, so its first command is on the first screen.
 */
function installFix(ctx: TargetContext, inst: Instance, a: AmiAssessment, arch: string | undefined): { fix: Fix; notes: string } {
  const windows = inst.platform === 'windows' || a.family?.installer === 'windows';
  const installer = a.family?.installer ?? (windows ? 'windows' : 'generic');
  const w = waysIn(ctx, inst, a.family?.sshUser ?? (windows ? 'Administrator' : 'ec2-user'));
  const label = a.family?.label ?? (windows ? 'Windows' : 'Linux');
  const s3 = downloadWay(ctx, inst, installer, arch, a.family?.sshUser ?? 'ec2-user');
  const s3Step = s3.fix ? ' The first commands give its subnet a way to S3, where the package comes from.' : '';
  const fix: Fix = {
    summary:
      `Install the SSM Agent on ${inst.id} (${label}) and start it at boot, from a shell on it${w.cli.length ? ' (the commands open one)' : ''}, ` +
      `and in the user data of the next launch.${s3Step}`,
    cli: [...(s3.fix?.cli ?? []), ...w.cli],
    onInstance: installOnInstance(installer, ctx.region, arch),
    // One file: the heredoc's closing marker, and so the snippet, ends with a newline.
    terraform: [
      ...(s3.fix?.terraform ? [s3.fix.terraform] : []),
      installUserData(installer, ctx.region, a.family?.id ?? (windows ? 'windows' : 'linux'), arch),
      ...(w.terraform ? [w.terraform] : []),
    ]
      .join('\n')
      .replace(/\n*$/, '\n'),
  };
  return { fix, notes: ` ${s3.summary}${w.summary}`.replace(/\s+$/, '') };
}

/**
 * The install downloads the agent from S3 in the instance's region (the rpm/deb packages, the Amazon Linux
 * repositories): when the instance's subnet has no way there (src/eval/service-reach.ts s3Way), the fix gives it one
 * (the free S3 gateway endpoint, and the rules HTTPS to it needs), or the package is copied in over the way in.
 */
function downloadWay(ctx: TargetContext, inst: Instance, installer: Installer, arch: string | undefined, sshUser: string): { summary: string; fix?: Fix } {
  if (!S3_INSTALLERS.has(installer)) return { summary: '' };
  let way: S3Way;
  try {
    way = s3Way(ctx, 'the agent download');
  } catch (e) {
    // A way that cannot be judged (facts unreadable) leaves the install as it is: the network checks say why.
    if (e instanceof NeedFact || e instanceof SkipCheck) return { summary: '' };
    throw e;
  }
  if (way.status === 'reachable') return { summary: '' };
  const url = packageUrl(installer, ctx.region, arch);
  const file = url?.split('/').pop();
  const key = inst.keyName ? `-i ~/.ssh/${inst.keyName}.pem ` : '';
  const copy = !url
    ? ''
    : installer === 'windows'
      ? ` Without the endpoint, download ${url} on your machine, copy it in over the RDP session below (a redirected drive or the clipboard) and run it from there instead.`
      : ` Without the endpoint, download ${url} on your machine, copy it in through the way in below (scp ${key}-o ProxyCommand='aws ec2-instance-connect open-tunnel --instance-id ${inst.id} --region ${ctx.region}' ${file} ${sshUser}@${inst.id}:/tmp/) and install /tmp/${file} instead.`;
  if (way.status === 'unknown') {
    return { summary: `The install downloads the agent from S3 (https://s3.${ctx.region}.amazonaws.com), which the instance's subnet may not reach: ${way.text}${copy} ` };
  }
  return {
    summary:
      `The instance's subnet has no way to S3 (https://s3.${ctx.region}.amazonaws.com), where the install downloads the agent from: ${way.fix ? way.fix.summary : way.text}${copy} `,
    ...(way.fix ? { fix: way.fix } : {}),
  };
}

/** Installers that fetch from S3 in the instance's region. */
const S3_INSTALLERS = new Set<Installer>(['rpm', 'deb', 'al-repo', 'generic', 'windows']);
