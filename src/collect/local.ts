// Facts about the machine ssm-doctor runs on: is the session-manager-plugin installed (the AWS CLI needs it).
import { execFile } from 'node:child_process';
import { access, constants, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LocalFacts } from '../facts/facts.js';
import { shortMessage } from './errors.js';

export const PLUGIN_BINARY = 'session-manager-plugin';

/** The first `name` on PATH that is an executable file (PATHEXT candidates on Windows). */
export async function whichOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (!(await stat(candidate)).isFile()) continue;
        if (platform !== 'win32') await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, env, windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve(String(stdout));
    });
  });
}

/** The CI environment variable is set (and not "false"/"0"). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v.toLowerCase() !== 'false' && v !== '0';
}

/** On Linux, which package format the distribution installs (from /etc/os-release ID / ID_LIKE). */
export async function linuxPackageFormat(osRelease = '/etc/os-release'): Promise<'deb' | 'rpm' | undefined> {
  let text: string;
  try {
    text = await readFile(osRelease, 'utf8');
  } catch {
    return undefined;
  }
  const ids = [...text.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) => m[1]!.toLowerCase().split(/\s+/));
  if (ids.some((id) => ['debian', 'ubuntu'].includes(id))) return 'deb';
  if (ids.some((id) => ['rhel', 'fedora', 'centos', 'amzn', 'suse', 'sles', 'opensuse'].includes(id))) return 'rpm';
  return undefined;
}

export async function collectLocal(opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; osRelease?: string } = {}): Promise<LocalFacts> {
  const env = opts.env ?? process.env;
  const [found, packages] = await Promise.all([
    whichOnPath(PLUGIN_BINARY, env),
    process.platform === 'linux' ? linuxPackageFormat(opts.osRelease) : Promise.resolve(undefined),
  ]);
  const base = { platform: process.platform, arch: process.arch, ci: isCi(env), ...(packages ? { packages } : {}) };
  try {
    const out = await run(found ?? PLUGIN_BINARY, ['--version'], opts.timeoutMs ?? 3000, env);
    const version = out.split(/\r?\n/).map((l) => l.trim()).find(Boolean);
    const plugin: LocalFacts['plugin'] = { found: true };
    if (found) plugin.path = found;
    if (version) plugin.version = version;
    return { ...base, plugin };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { killed?: boolean };
    if (e.code === 'ENOENT' && !found) return { ...base, plugin: { found: false } };
    const why = e.killed ? `timed out running ${PLUGIN_BINARY} --version` : shortMessage(e.message);
    const plugin: LocalFacts['plugin'] = { found: found !== undefined, error: why };
    if (found) plugin.path = found;
    return { ...base, plugin };
  }
}
