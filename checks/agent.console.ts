// Guards: the SSM Agent started since the last boot (it writes "Amazon SSM Agent v<version> is running" to the serial console) and nothing on the console stops it: a full disk, the OOM killer, a kernel panic, emergency mode.
import { skip, type Check, type Fix, type TargetContext, type Verdict } from '../src/check/kit.js';
import { offlineEvidence, onlyWhileOffline } from '../src/check/evidence-check.js';
import type { ConsoleEvidence, ConsoleFinding, ConsoleFindingKind, Instance } from '../src/facts/facts.js';
import { CONSOLE_MAX_TARGETS, consoleTargets, offlineEc2Targets } from '../src/facts/evidence.js';
import { agentTargetOf, instanceOf } from '../src/facts/lookup.js';
import { agentRestartOnInstance, FRESH_LAUNCH_MINUTES, minutesBetween } from '../src/fix/reboot.js';
import { waysIn } from '../src/fix/ways-in.js';

const WHAT = 'the serial console output (ec2:GetConsoleOutput)';
/** Lines quoted in a detail. */
const QUOTED = 3;

/** Unambiguous: each stops the agent by itself. */
const FATAL: ConsoleFindingKind[] = ['disk-full', 'oom-agent', 'kernel-panic', 'emergency-mode'];

const MEANING: Record<ConsoleFindingKind, string> = {
  'disk-full': 'the disk is full: the agent cannot write its state and logs, and stops or never starts',
  'oom-agent': 'the kernel killed the SSM Agent for lack of memory',
  'kernel-panic': 'the kernel panicked: the OS did not come up',
  'emergency-mode': 'systemd stopped in emergency mode (usually an /etc/fstab entry that cannot be mounted): no services, the agent included, were started',
  oom: 'the kernel ran out of memory and killed processes',
  'mount-failed': 'a file system could not be mounted',
  'filesystem-error': 'a file system has errors or went read-only',
  'cloud-init': 'cloud-init reported errors (user data that installs or configures the agent may not have run)',
  'agent-service': 'systemd reports the agent service failing',
};

function quote(findings: ConsoleFinding[]): string {
  return findings
    .slice(0, QUOTED)
    .map((f) => `"${f.line}"`)
    .join(' / ');
}

export const agentConsole: Check = {
  meta: {
    id: 'agent.console',
    fixRestartsAgent: true,
    title: 'Serial console shows no failure',
    group: 'agent',
    description:
      'Read only when the agent is offline (ec2:GetConsoleOutput): the agent writes "Amazon SSM Agent v<version> is running" ' +
      'to the serial console at each start; the console also shows full disks, the OOM killer, kernel panics and emergency ' +
      'mode. Only the matching lines are kept, never the rest of the output.',
    fixes: 'free the disk, memory or boot problem through EC2 Instance Connect Endpoint or the serial console; restart the agent',
    explains: ['agent.ping', 'session.connection'],
  },
  run(ctx) {
    if (agentTargetOf(ctx).managedNode) skip(`${ctx.id} is a hybrid node: it has no EC2 serial console`);
    const inst = instanceOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const offline = offlineEc2Targets(ctx.facts);
    const bounded =
      offline.length > CONSOLE_MAX_TARGETS && !consoleTargets(ctx.facts).some((i) => i.id === inst.id)
        ? `the console is read for at most ${CONSOLE_MAX_TARGETS} offline instances per run (this run has ${offline.length}): ` +
          `run ssm-doctor on ${inst.id} alone to read it`
        : undefined;
    const c = offlineEvidence(ctx, ctx.facts.consoleEvidence[ctx.id], WHAT, bounded);
    return onlyWhileOffline(ctx, WHAT, judge(ctx, inst, c));
  },
};

function judge(ctx: TargetContext, inst: Instance, c: ConsoleEvidence): Verdict {
  const started = c.agentStarts.length > 0;
  const data = { agentStarted: started, agentStarts: c.agentStarts, findings: c.findings, latest: c.latest, bootSeen: c.bootSeen };
  const since = c.bootSeen ? ' since the last boot' : '';
  const startNote = started
    ? ` The agent did start${since} ("${c.agentStarts[c.agentStarts.length - 1]}").`
    : c.empty
      ? ''
      : ` The agent did not write its start line${since}.`;
  const fatal = c.findings.filter((f) => FATAL.includes(f.kind));
  if (fatal.length) {
    const kind = fatal[0]!.kind;
    const { fix, waysInNote } = fatalFix(ctx, inst, kind);
    return {
      status: 'fail',
      summary: `The serial console of ${inst.id} shows that ${MEANING[kind].split(':')[0]}.`,
      // How to get in goes to the detail: the fix's summary stays short, so its first command is on the first screen.
      detail: `The serial console of ${inst.id} shows that ${MEANING[kind]}: ${quote(fatal)}.${startNote}${waysInNote ? ` ${waysInNote}` : ''}`,
      fix,
      data,
    };
  }
  if (c.findings.length) {
    const kinds = [...new Set(c.findings.map((f) => f.kind))];
    return {
      status: 'warn',
      detail: `The serial console of ${inst.id} shows that ${kinds.map((k) => MEANING[k]).join('; ')}: ${quote(c.findings)}.${startNote}`,
      data,
    };
  }
  if (c.empty) skip(`the serial console output of ${inst.id} is empty (EC2 has none yet)`);
  if (started) {
    const lastStart = `The SSM Agent started on ${inst.id}${since} ("${c.agentStarts[c.agentStarts.length - 1]}") and the console shows no failure`;
    // A failing status check means the OS or its host stopped answering after that start: not the agent's credentials or path.
    const impaired = impairedCheck(ctx, inst.id);
    return {
      status: 'pass',
      detail: impaired
        ? `${lastStart}, but the ${impaired} status check fails (instance.health): that, not the agent's credentials or network path, keeps it offline.`
        : `${lastStart}: the agent runs but cannot connect, so the cause is its credentials or its network path (the iam.* and network checks), ` +
          'or its back-off after a late fix (restart it or reboot).',
      data,
    };
  }
  if (inst.instanceType?.startsWith('mac') || /macos/i.test(inst.platformDetails ?? '')) {
    skip(`the agent on macOS does not write its start line to the serial console`);
  }
  if (inst.platform === 'windows' && /\b(?:2003|2008|2012)\b/.test(windowsName(ctx, inst))) {
    skip('the agent writes its start line to the serial console from Windows Server 2016 on only');
  }
  const age = minutesBetween(inst.launchTime, ctx.facts.collectedAt);
  if (age !== undefined && age >= 0 && age < FRESH_LAUNCH_MINUTES) {
    skip(`${inst.id} launched ${Math.floor(age)} minutes ago: the agent may not have started yet`);
  }
  return {
    status: 'warn',
    detail:
      `The SSM Agent did not write its start line ("Amazon SSM Agent v... is running") to the serial console of ${inst.id}${since}: ` +
      `it is not installed, not enabled at boot, or fails before it starts${c.latest ? '' : ' (or the output predates the last boot: this instance type only keeps the boot-time output)'}.`,
    data,
  };
}

/** Which EC2 status check of the instance fails (`system`: its host; `instance`: its OS), when it was read. */
function impairedCheck(ctx: TargetContext, id: string): 'system' | 'instance' | undefined {
  const f = ctx.facts.instanceStatus[id];
  const s = f?.ok ? f.value : undefined;
  return s?.systemStatus === 'impaired' ? 'system' : s?.instanceStatus === 'impaired' ? 'instance' : undefined;
}

/** What is known of the Windows version: the agent's platform name, else the AMI's name. */
function windowsName(ctx: TargetContext, inst: Instance): string {
  const a = ctx.facts.agents[inst.id];
  const img = inst.imageId ? ctx.facts.images[inst.imageId] : undefined;
  return `${a?.ok ? (a.value?.platformName ?? '') : ''} ${img?.ok ? (img.value?.name ?? '') : ''}`;
}

/** The fix of a fatal console finding, and (for the detail) how to get onto the instance without Session Manager. */
function fatalFix(ctx: TargetContext, inst: Instance, kind: ConsoleFindingKind): { fix: Fix; waysInNote?: string } {
  const windows = inst.platform === 'windows';
  const w = waysIn(ctx, inst, windows ? 'Administrator' : 'ec2-user');
  const region = ctx.region;
  const restart = agentRestartOnInstance(inst.platform);
  const waysInNote = w.summary.trim();
  switch (kind) {
    case 'disk-full':
      return {
        fix: {
          summary:
            `Free space on ${inst.id}'s full file system from a shell on it${w.cli.length ? ', which the commands open' : ''}, or grow its root ` +
            'EBS volume (aws ec2 modify-volume, then growpart and xfs_growfs or resize2fs); then restart the agent.',
          cli: w.cli,
          onInstance: ['df -h', 'sudo du -xh / --max-depth=3 2>/dev/null | sort -h | tail -20', 'sudo journalctl --vacuum-size=200M', restart],
          terraform: w.terraform,
        },
        waysInNote,
      };
    case 'oom-agent':
      return {
        fix: {
          summary:
            `${inst.id} ran out of memory and the kernel killed the SSM Agent: reboot it to get the agent back now, then find what ` +
            'uses the memory or move to a larger instance type (aws ec2 modify-instance-attribute --instance-type, while stopped).',
          cli: [`aws ec2 reboot-instances --instance-ids ${inst.id} --region ${region}`, ...w.cli],
          onInstance: ['ps aux --sort=-rss | head -15', restart],
          terraform: w.terraform,
        },
        waysInNote,
      };
    case 'kernel-panic':
    case 'emergency-mode':
    default:
      return {
        fix: {
          summary:
            (kind === 'emergency-mode'
              ? `${inst.id} boots into emergency mode: fix the failing /etc/fstab entry (add nofail to non-root volumes) from the EC2 serial console, `
              : `${inst.id}'s kernel panics at boot: choose the previous kernel in the boot menu on the EC2 serial console, `) +
            'or detach its root volume, repair it from another instance and attach it back. No network service runs until then, so ' +
            'EC2 Instance Connect cannot help.',
          cli: [`aws ec2 enable-serial-console-access --region ${region}`, `aws ec2 get-console-output --instance-id ${inst.id} --latest --output text --region ${region}`],
        },
      };
  }
}
