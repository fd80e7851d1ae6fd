// The serial console output (ec2:GetConsoleOutput, base64) reduced to the evidence ssm-doctor needs: whether
// the SSM Agent wrote its start line since the last boot, and the few lines that explain an offline agent.
// Console output can hold anything a user script printed (secrets included): only lines matching the known
// patterns below are kept, each cleaned (ANSI escapes and control characters removed, likely secrets masked)
// and capped; the rest of the output is dropped here and never reaches the facts, a snapshot or a report.
import type { ConsoleEvidence, ConsoleFinding, ConsoleFindingKind } from '../facts/facts.js';

/** Longest line kept. */
export const CONSOLE_LINE_MAX = 200;
const MAX_FINDINGS = 8;
const MAX_PER_KIND = 3;
const MAX_AGENT_STARTS = 3;

/**
 * Written by the agent at each start (agent/startup/startup_unix.go and startup_windows.go in
 * aws/amazon-ssm-agent): `2024/05/01 12:34:56Z: Amazon SSM Agent v3.3.131.0 is running`. Linux and Windows
 * Server 2016+ only (not macOS).
 */
export const AGENT_START = /Amazon SSM Agent v(\d+(?:\.\d+){1,3}) is running/;

/** The start of a Linux boot: the kernel banner (x86) or the first line of an arm64 boot. */
const BOOT = /\bLinux version \d+\.\d+|\bBooting Linux on physical CPU/;

/** The agent's processes as the kernel names them (15 characters: `amazon-ssm-agen`). */
const AGENT_PROCESS = /\b(?:amazon-ssm-agen|ssm-agent-worke|ssm-session-wor|ssm-document-wo)/;

/** First match wins: the more specific kinds come first. */
const PATTERNS: [ConsoleFindingKind, (line: string) => boolean][] = [
  ['oom-agent', (l) => /out of memory|oom-kill|oom_reaper/i.test(l) && AGENT_PROCESS.test(l)],
  ['kernel-panic', (l) => /Kernel panic - not syncing/i.test(l)],
  [
    'emergency-mode',
    (l) => /You are in emergency mode|Entering emergency mode|Welcome to emergency mode|Reached target Emergency Mode|Started Emergency Shell|Give root password for maintenance/i.test(l),
  ],
  ['disk-full', (l) => /No space left on device|\bENOSPC\b/i.test(l)],
  ['oom', (l) => /Out of memory: Kill(?:ed)? process|invoked oom-killer|\boom-kill:/i.test(l)],
  [
    'mount-failed',
    (l) => /Failed to mount |Dependency failed for .*(?:Local File Systems|local-fs\.target|\.mount\b)|Timed out waiting for device|mount: .*(?:wrong fs type|can't find|does not exist)/i.test(l),
  ],
  ['filesystem-error', (l) => /EXT4-fs error|XFS \([^)]*\): (?:Corruption|metadata I\/O error)|Remounting filesystem read-only|Read-only file system/i.test(l)],
  // cloud-init's own log format (`cc_scripts_user.py[WARNING]: Failed to run module scripts-user`) and systemd's
  // verdict on its units; never the output of the user's scripts, which cloud-init also copies to the console.
  ['cloud-init', (l) => /cloud-init(?:\[\d+\])?:.*\b[\w-]+\.py\[(?:WARNING|ERROR|CRITICAL)\]|Failed to start .*cloud-init/i.test(l)],
  [
    'agent-service',
    (l) =>
      /Failed to start (?:snap\.)?amazon-ssm-agent/i.test(l) ||
      (/amazon-ssm-agent/i.test(l) && /Failed with result|Main process exited, code=\w+, status=(?!0\/)|start-limit-hit|Start request repeated too quickly/i.test(l)),
  ],
];

// CSI (colours, cursor), OSC (titles) and two-character escapes, then any other control character but tab.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** The text of a console line with escapes and control characters removed. */
export function cleanLine(raw: string): string {
  return raw.replace(ANSI, '').replace(CONTROL, '').trim();
}

const SECRET_ASSIGNMENT = /\b((?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;
const ACCESS_KEY = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** A long unbroken token (base64, hex, JWT part); no `/`, so paths survive. */
const BLOB = /[A-Za-z0-9+_=-]{40,}/g;

/** Masks what looks like a secret (`password=...`, access key ids, long tokens) and caps the length. */
export function maskLine(line: string): string {
  const masked = line.replace(SECRET_ASSIGNMENT, '$1***').replace(ACCESS_KEY, '***').replace(BLOB, '***');
  return masked.length > CONSOLE_LINE_MAX ? `${masked.slice(0, CONSOLE_LINE_MAX - 1)}…` : masked;
}

/** The kind of explanation a (clean) console line gives, or undefined. */
export function classifyLine(line: string): ConsoleFindingKind | undefined {
  return PATTERNS.find(([, test]) => test(line))?.[0];
}

/** A line without its leading timestamps (`[   12.345678]`, `2024/05/01 12:34:56Z:`), to tell repeats apart. */
function withoutTimestamp(line: string): string {
  return line.replace(/^(?:\[\s*\d+\.\d+\]\s*|\d{4}[/-]\d\d[/-]\d\d[ T]\d\d:\d\d:\d\d\S*:?\s*)+/, '');
}

export interface ConsoleRead {
  /** The `Output` of ec2:GetConsoleOutput: base64, possibly absent. */
  output?: string;
  latest: boolean;
  capturedAt?: string;
}

/** The evidence in one console output; nothing else of the output survives this function. */
export function extractConsoleEvidence(read: ConsoleRead): ConsoleEvidence {
  const text = read.output ? Buffer.from(read.output, 'base64').toString('utf8') : '';
  const lines = text.split(/\r\n|\r|\n/).map(cleanLine);
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (BOOT.test(lines[i]!)) {
      start = i;
      break;
    }
  }
  const bootSeen = lines.some((l) => BOOT.test(l));
  const agentStarts: string[] = [];
  const findings: ConsoleFinding[] = [];
  const seen = new Set<string>();
  const perKind = new Map<ConsoleFindingKind, number>();
  for (const line of lines.slice(start)) {
    if (!line) continue;
    if (AGENT_START.test(line)) {
      agentStarts.push(maskLine(line));
      continue;
    }
    const kind = classifyLine(line);
    if (!kind) continue;
    const key = `${kind} ${withoutTimestamp(line)}`;
    if (seen.has(key) || (perKind.get(kind) ?? 0) >= MAX_PER_KIND) continue;
    seen.add(key);
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    findings.push({ kind, line: maskLine(line) });
  }
  return {
    ...(read.capturedAt ? { capturedAt: read.capturedAt } : {}),
    latest: read.latest,
    empty: text.trim() === '',
    bootSeen,
    agentStarts: agentStarts.slice(-MAX_AGENT_STARTS),
    findings: mostSevere(findings, MAX_FINDINGS),
  };
}

/** At most `max` findings: the most severe kinds first when there are too many, then in console order. */
function mostSevere(findings: ConsoleFinding[], max: number): ConsoleFinding[] {
  if (findings.length <= max) return findings;
  const rank = (k: ConsoleFindingKind) => PATTERNS.findIndex(([kind]) => kind === k);
  const keep = new Set([...findings].sort((a, b) => rank(a.kind) - rank(b.kind)).slice(0, max));
  return findings.filter((f) => keep.has(f));
}
