// The serial console reduced to evidence (src/collect/console.ts), on realistic outputs: ANSI colours, CRLF, several
// boots in one buffer, Windows, secrets printed by user scripts. Only lines matching a known pattern survive.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AGENT_START, CONSOLE_LINE_MAX, classifyLine, cleanLine, extractConsoleEvidence, maskLine } from '../../src/collect/console.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const read = (text: string, latest = true) => extractConsoleEvidence({ output: b64(text), latest, capturedAt: '2026-11-29T09:59:30.000Z' });
const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

const ESC = '\x1b';
const ok = (what: string) => `[${ESC}[0;32m  OK  ${ESC}[0m] ${what}`;
const failed = (what: string) => `[${ESC}[0;1;31mFAILED${ESC}[0m] ${what}`;

/** Two boots of an AL2023 instance: the agent started in the first one only. */
const TWO_BOOTS = crlf([
  '[    0.000000] Linux version 6.1.112-124.190.amzn2023.x86_64 (mockbuild@ip-10-0-44-229) (gcc (GCC) 11.4.1 20230605) #1 SMP PREEMPT_DYNAMIC',
  ok('Started amazon-ssm-agent.service - amazon-ssm-agent.'),
  '2026/11/28 08:00:02Z: Amazon SSM Agent v3.3.987.0 is running',
  '2026/11/28 08:00:02Z: OsProductName: Amazon Linux',
  '2026/11/28 08:00:02Z: OsVersion: 2023',
  '[ 5000.111111] reboot: Restarting system',
  '[    0.000000] Linux version 6.1.112-124.190.amzn2023.x86_64 (mockbuild@ip-10-0-44-229) (gcc (GCC) 11.4.1 20230605) #1 SMP PREEMPT_DYNAMIC',
  '[    0.000000] Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz-6.1.112 root=UUID=5b2c console=tty0 console=ttyS0,115200n8 nvme_core.io_timeout=4294967295',
  failed(`Failed to mount ${ESC}[0;1;39mdata.mount${ESC}[0m - /data.`),
  `[${ESC}[0;1;33mDEPEND${ESC}[0m] Dependency failed for ${ESC}[0;1;39mlocal-fs.target${ESC}[0m - Local File Systems.`,
  'You are in emergency mode. After logging in, type "journalctl -xb" to view',
  'system logs, "systemctl reboot" to reboot, "systemctl default" or "exit"',
  'to boot into default mode.',
  'Give root password for maintenance',
  '(or press Control-D to continue): ',
]);

describe('extractConsoleEvidence', () => {
  it('counts from the last boot: the agent started before the reboot, not since; emergency mode and the mount failure are quoted', () => {
    const ev = read(TWO_BOOTS);
    expect(ev.bootSeen).toBe(true);
    expect(ev.agentStarts).toEqual([]);
    expect(ev.findings.map((f) => f.kind)).toEqual(['mount-failed', 'mount-failed', 'emergency-mode', 'emergency-mode']);
    expect(ev.findings[0]!.line).toBe('[FAILED] Failed to mount data.mount - /data.');
    expect(ev.findings[1]!.line).toBe('[DEPEND] Dependency failed for local-fs.target - Local File Systems.');
    for (const f of ev.findings) expect(f.line).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(ev).toMatchObject({ latest: true, empty: false, capturedAt: '2026-11-29T09:59:30.000Z' });
  });

  it('keeps the agent start line of the current boot (the last 3 at most)', () => {
    const ev = read(
      crlf([
        '[    0.000000] Linux version 5.10.228-219.884.amzn2.x86_64 (mockbuild@ip-10-0-38-7) (gcc10-gcc (GCC) 10.5.0) #1 SMP',
        ...[1, 2, 3, 4].map((n) => `2026/11/29 09:0${n}:00Z: Amazon SSM Agent v3.3.1142.0 is running`),
      ]),
    );
    expect(ev.agentStarts).toEqual([2, 3, 4].map((n) => `2026/11/29 09:0${n}:00Z: Amazon SSM Agent v3.3.1142.0 is running`));
    expect(ev.findings).toEqual([]);
  });

  it('full disk (journald and the agent itself), OOM kill of the agent, kernel panic', () => {
    const ev = read(
      [
        '[    0.000000] Linux version 6.1.112-124.190.amzn2023.x86_64 (mockbuild@ip-10-0-44-229) #1 SMP',
        '[ 1234.567890] systemd-journald[412]: Failed to write entry (9 items, 320 bytes), ignoring: No space left on device',
        '[ 1234.567891] systemd-journald[412]: Failed to write entry (9 items, 320 bytes), ignoring: No space left on device',
        '[ 1300.000001] amazon-ssm-agent[2311]: error creating directory /var/lib/amazon/ssm/i-0abc: mkdir /var/lib/amazon/ssm/i-0abc: no space left on device',
        '[ 4563.123456] amazon-ssm-agen invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0',
        '[ 4563.123999] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/amazon-ssm-agent.service,task=amazon-ssm-agen,pid=2345,uid=0',
        '[ 4563.124000] Out of memory: Killed process 2345 (amazon-ssm-agen) total-vm:1412345kB, anon-rss:812345kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:2048kB oom_score_adj:0',
        '[ 4600.000000] Out of memory: Killed process 999 (java) total-vm:9412345kB, anon-rss:7812345kB',
        '[ 9999.000000] Kernel panic - not syncing: Fatal exception in interrupt',
      ].join('\n'),
    );
    const kinds = ev.findings.map((f) => f.kind);
    // The two journald lines differ only by their timestamp: one is kept.
    expect(kinds.filter((k) => k === 'disk-full')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'oom-agent')).toHaveLength(3);
    expect(kinds).toContain('oom');
    expect(kinds).toContain('kernel-panic');
    expect(ev.findings.length).toBeLessThanOrEqual(8);
  });

  it('cloud-init: its own warnings are kept, the output of user scripts never (secrets included)', () => {
    const ev = read(
      crlf([
        '[    0.000000] Linux version 6.1.112-124.190.amzn2023.x86_64 (mockbuild@ip-10-0-44-229) #1 SMP',
        'cloud-init[1867]: + export DB_PASSWORD=hunter2',
        'cloud-init[1867]: ERROR: could not log in with password=hunter2',
        'cloud-init[1867]: Cloud-init v. 22.2.2 running \'modules:final\' at Sun, 29 Nov 2026 09:01:40 +0000. Up 21.52 seconds.',
        'cloud-init[1867]: 2026-11-29 09:01:42,112 - util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [1]',
        'cloud-init[1867]: 2026-11-29 09:01:42,120 - cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)',
        failed('Failed to start cloud-final.service - Execute cloud user/final scripts.'),
        'ci-info: ++++++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++++++',
      ]),
    );
    expect(ev.findings.map((f) => f.kind)).toEqual(['cloud-init', 'cloud-init']);
    expect(JSON.stringify(ev)).not.toContain('hunter2');
    expect(JSON.stringify(ev)).not.toContain('DB_PASSWORD');
  });

  it('the agent service failing under systemd', () => {
    const ev = read(
      crlf([
        failed('Failed to start amazon-ssm-agent.service - amazon-ssm-agent.'),
        'amazon-ssm-agent.service: Main process exited, code=exited, status=1/FAILURE',
        'amazon-ssm-agent.service: Failed with result \'exit-code\'.',
        'amazon-ssm-agent.service: Main process exited, code=exited, status=0/SUCCESS',
      ]),
    );
    expect(ev.findings.map((f) => f.kind)).toEqual(['agent-service', 'agent-service', 'agent-service']);
    expect(ev.bootSeen).toBe(false);
  });

  it('Windows: the agent start line after EC2Launch, no Linux boot marker', () => {
    const ev = read(
      crlf([
        '2026/11/29 09:00:40Z: Windows sysprep configuration complete.',
        '2026/11/29 09:01:02Z: Message: Waiting for meta-data accessibility...',
        '2026/11/29 09:01:10Z: Message: Windows is Ready to use',
        '2026/11/29 09:01:15Z: Amazon SSM Agent v3.3.1142.0 is running',
        '2026/11/29 09:01:15Z: OsProductName: Windows Server 2022 Datacenter',
        '2026/11/29 09:01:16Z: Driver: AWS NVMe Driver v1.5.1',
      ]),
    );
    expect(ev).toMatchObject({ bootSeen: false, agentStarts: ['2026/11/29 09:01:15Z: Amazon SSM Agent v3.3.1142.0 is running'], findings: [] });
  });

  it('empty or missing output', () => {
    expect(extractConsoleEvidence({ latest: true })).toEqual({ latest: true, empty: true, bootSeen: false, agentStarts: [], findings: [] });
    expect(read('\r\n  \r\n', false)).toMatchObject({ empty: true, latest: false });
  });

  it('masks what looks like a secret and caps long lines', () => {
    expect(maskLine('util.py[WARNING]: Failed running mysql --password=s3cr3t -h db')).toBe('util.py[WARNING]: Failed running mysql --password=*** -h db');
    expect(maskLine('token: "abc def" rest')).toBe('token: *** rest');
    expect(maskLine('key AKIAIOSFODNN7EXAMPLE used')).toBe('key *** used');
    expect(maskLine(`No space left on device ${'x'.repeat(400)}`)).not.toContain('x'.repeat(41));
    const long = maskLine(`No space left on device ${'a b '.repeat(200)}`);
    expect(long.length).toBe(CONSOLE_LINE_MAX);
    expect(long.endsWith('…')).toBe(true);
    // Masking a masked line changes nothing (the aws-server renders facts back into console text).
    for (const l of ['password=***', long, 'key *** used']) expect(maskLine(l)).toBe(l);
  });

  it('cleans escapes: CSI, OSC and lone control characters', () => {
    expect(cleanLine(`${ESC}]0;title${String.fromCharCode(7)}[${ESC}[1;31mFAILED${ESC}[0m] x\x00\x08\r`)).toBe('[FAILED] x');
  });

  it('property: every kept line is a cleaned, masked input line that matches a known pattern; nothing else survives', () => {
    const noise = fc.stringMatching(/^[ -~\x1b]{0,120}$/);
    const known = fc.constantFrom(
      'No space left on device',
      'Out of memory: Killed process 1 (amazon-ssm-agen)',
      'Kernel panic - not syncing: x',
      'Amazon SSM Agent v3.3.1.0 is running',
      'You are in emergency mode.',
      'cloud-init[1]: util.py[WARNING]: Failed',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(noise, known, fc.tuple(noise, known, noise).map((t) => t.join(' '))), { maxLength: 40 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => {
        const ev = read(lines.join(eol));
        const inputs = new Set(lines.flatMap((l) => l.split(/\r\n|\r|\n/)).map((l) => maskLine(cleanLine(l))));
        for (const f of ev.findings) {
          expect(inputs.has(f.line)).toBe(true);
          expect(classifyLine(f.line)).toBe(f.kind);
        }
        for (const s of ev.agentStarts) {
          expect(inputs.has(s)).toBe(true);
          expect(s).toMatch(AGENT_START);
        }
      }),
      { numRuns: 300 },
    );
  });
});
