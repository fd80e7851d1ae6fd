// Guards: the AWS CLI can start sessions only with the session-manager-plugin binary on the operator's PATH.
import { skip, type Check, type Fix } from '../src/check/kit.js';
import type { LocalFacts } from '../src/facts/facts.js';
import { compareVersions } from '../src/eval/version.js';

/** The AWS documentation asks for plugin 1.2.764.0 or later ("Session Manager will soon stop supporting earlier versions"). */
export const MIN_PLUGIN = '1.2.764.0';

const DOCS = 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';
const DOWNLOADS = 'https://s3.amazonaws.com/session-manager-downloads/plugin/latest';

export const clientPlugin: Check = {
  meta: {
    id: 'client.plugin',
    title: 'Session Manager plugin is installed',
    group: 'client',
    description:
      '`aws ssm start-session` needs the session-manager-plugin binary on PATH of the machine you connect from; a missing ' +
      'plugin is one of the most common real-world causes.',
    fixes: 'the documented install commands for your OS (brew, .deb/.rpm, Windows installer)',
  },
  // One fact about the machine ssm-doctor runs on: one cause for the whole report.
  subject: () => 'this-machine',
  run(ctx) {
    const local = ctx.facts.local;
    if (!local) skip("not run on the operator's machine (snapshot): the Session Manager plugin was not looked for");
    if (local.ci && !local.plugin.found) skip('running in CI (CI is set): nobody starts sessions from this machine');
    const p = local.plugin;
    const data = { platform: local.platform, arch: local.arch, found: p.found, path: p.path, version: p.version };
    if (!p.found) {
      return {
        status: 'fail',
        detail:
          `session-manager-plugin was not found on PATH on this ${platformName(local.platform)} machine` +
          `${p.error ? ` (${p.error})` : ''}. The AWS CLI cannot start a session without it ` +
          "(\"SessionManagerPlugin is not found\").",
        fix: installFix(local, 'Install'),
        data,
      };
    }
    const where = p.path ? ` at ${p.path}` : '';
    if (p.version && compareVersions(p.version, MIN_PLUGIN) < 0) {
      return {
        status: 'warn',
        detail: `session-manager-plugin ${p.version}${where} is older than ${MIN_PLUGIN}, the minimum AWS asks for; sessions may start failing.`,
        fix: installFix(local, 'Update'),
        data,
      };
    }
    return {
      status: 'pass',
      detail: `session-manager-plugin ${p.version ?? '(version unknown)'} found${where}.`,
      data,
    };
  },
};

function platformName(platform: string): string {
  return ({ darwin: 'macOS', linux: 'Linux', win32: 'Windows' } as Record<string, string>)[platform] ?? platform;
}

/** The documented install commands for the operator's platform and CPU. */
export function installFix(local: LocalFacts, verb: 'Install' | 'Update'): Fix {
  const summary = `${verb} the Session Manager plugin for the AWS CLI (${DOCS}), then open a new shell so it is on PATH.`;
  const verify = 'session-manager-plugin --version';
  switch (local.platform) {
    case 'darwin':
      // Homebrew when present; the bundled installer otherwise.
      return {
        summary,
        cli: [
          `if command -v brew >/dev/null; then brew install --cask session-manager-plugin; else curl -fsSL "${DOWNLOADS}/mac${local.arch === 'arm64' ? '_arm64' : ''}/sessionmanager-bundle.zip" -o sessionmanager-bundle.zip && unzip -o sessionmanager-bundle.zip && sudo ./sessionmanager-bundle/install -i /usr/local/sessionmanagerplugin -b /usr/local/bin/session-manager-plugin; fi`,
          verify,
        ],
      };
    case 'linux': {
      const rpmDir = local.arch === 'arm64' ? 'linux_arm64' : local.arch === 'ia32' ? 'linux_32bit' : 'linux_64bit';
      const debDir = local.arch === 'arm64' ? 'ubuntu_arm64' : local.arch === 'ia32' ? 'ubuntu_32bit' : 'ubuntu_64bit';
      const deb = [`curl -fsSL "${DOWNLOADS}/${debDir}/session-manager-plugin.deb" -o session-manager-plugin.deb`, 'sudo dpkg -i session-manager-plugin.deb'];
      const rpm = [`curl -fsSL "${DOWNLOADS}/${rpmDir}/session-manager-plugin.rpm" -o session-manager-plugin.rpm`, 'sudo yum install -y session-manager-plugin.rpm'];
      // The distribution's own package format; unknown: whichever package tool the machine has.
      const install =
        local.packages === 'deb'
          ? deb
          : local.packages === 'rpm'
            ? rpm
            : [`if command -v dpkg >/dev/null; then ${deb.join(' && ')}; else ${rpm.join(' && ')}; fi`];
      return { summary, cli: [...install, verify] };
    }
    case 'win32':
      return {
        summary: `${summary} The installer puts it in C:\\Program Files\\Amazon\\SessionManagerPlugin\\bin.`,
        cli: [
          `Invoke-WebRequest ${DOWNLOADS}/windows/SessionManagerPluginSetup.exe -OutFile SessionManagerPluginSetup.exe`,
          '.\\SessionManagerPluginSetup.exe',
          verify,
        ],
      };
    default:
      return { summary: `${verb} the Session Manager plugin for ${local.platform}: see ${DOCS}.`, cli: [verify] };
  }
}
