// Spawns the built CLI exactly as a user would (node bin/ssm-doctor.js ...), with a clean AWS environment.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'ssm-doctor.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A folder with a fake `session-manager-plugin` so client.plugin sees an installed plugin. */
export function fakePluginDir(dir = mkdtempSync(join(tmpdir(), 'ssm-doctor-plugin-'))): string {
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'session-manager-plugin');
  writeFileSync(bin, '#!/bin/sh\necho 1.2.764.0\n');
  chmodSync(bin, 0o755);
  return dir;
}

/**
 * Environment with fake credentials and no trace of the developer's real AWS config.
 * `dir`: where HOME and the fake plugin go (default: fresh temporary folders); the benchmark passes its own.
 */
export function awsEnv(
  endpoint: string | undefined,
  extra: Record<string, string | undefined> = {},
  dir?: string,
): NodeJS.ProcessEnv {
  const home = dir ? join(dir, 'home') : mkdtempSync(join(tmpdir(), 'ssm-doctor-home-'));
  mkdirSync(home, { recursive: true });
  const pluginDir = fakePluginDir(dir ? join(dir, 'plugin') : undefined);
  const env: NodeJS.ProcessEnv = {
    PATH: `${pluginDir}:${process.env.PATH}`,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    // The local AWS server has no CloudTrail quota: late-fix lookups need not wait (the limiter has its own tests).
    SSM_DOCTOR_CLOUDTRAIL_RPS: '1000',
    ...(endpoint ? { AWS_ENDPOINT_URL: endpoint } : {}),
    ...extra,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** `bin`: another copy of the CLI (an installed package); `cwd`: where it runs (default: the repository). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string, bin = BIN, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export interface PtyRun {
  /** Exit code of the CLI (script -e passes it on); null when it had to be killed. */
  code: number | null;
  /** Everything the terminal received (stdout and stderr, escape sequences included). */
  output: string;
  /** The CLI was still running `killAfterMs` after the keys were sent, and was killed. */
  killed: boolean;
}

/** util-linux `script`, which runs a command in a real pseudo-terminal (Debian: bsdutils, always installed). */
export function hasScript(): boolean {
  try {
    return /util-linux/.test(execFileSync('script', ['--version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

/**
 * Runs the built CLI in a real pseudo-terminal (util-linux `script`, sized 120x40 like a terminal window unless
 * `unsized`), types `keys` once the terminal shows `until`, and waits for the end; kills it `killAfterMs` after the
 * keys (40 s after the start without keys) if it is still running: a bound for a hang, not a measure of speed.
 */
export function runInPty(
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { until?: RegExp; keys?: string; killAfterMs?: number; unsized?: boolean } = {},
): Promise<PtyRun> {
  const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `${o.unsized ? '' : 'stty cols 120 rows 40; '}exec ${[process.execPath, BIN, ...args].map(sh).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--flush', '--command', command, '/dev/null'], {
      env: { ...env, TERM: 'xterm-256color' },
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let sent = false;
    let killed = false;
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    // Never waits forever for `until` either.
    let timer: NodeJS.Timeout | undefined = setTimeout(kill, 40_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString('utf8');
      if (!sent && o.until && o.keys && o.until.test(output)) {
        sent = true;
        child.stdin.write(o.keys);
        clearTimeout(timer);
        timer = setTimeout(kill, o.killAfterMs ?? 20_000);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, killed });
    });
  });
}
