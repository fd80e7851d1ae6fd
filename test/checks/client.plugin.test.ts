import { describe, expect, it } from 'vitest';
import { clientPlugin } from '../../checks/client.plugin.js';
import { runCheck } from '../../src/check/run.js';
import type { Facts, LocalFacts } from '../../src/facts/facts.js';
import { IID, world } from '../fixtures/world.js';

const local = (over: Partial<LocalFacts> & { plugin?: LocalFacts['plugin'] }): LocalFacts => ({
  platform: 'linux',
  arch: 'x64',
  ci: false,
  plugin: { found: true, path: '/usr/local/bin/session-manager-plugin', version: '1.2.764.0' },
  ...over,
});
const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(clientPlugin, { facts, id: IID, region: facts.region });
};
const missing = { found: false, error: 'not on PATH' };

describe('client.plugin', () => {
  it("skips on a snapshot run (not the operator's machine)", () => {
    const r = run();
    expect(r.status).toBe('skip');
    expect(r.detail).toContain("operator's machine");
  });

  it('passes with the version and path when the plugin is found', () => {
    const r = run((f) => (f.local = local({})));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('1.2.764.0');
    expect(r.detail).toContain('/usr/local/bin/session-manager-plugin');
  });

  it('warns when the plugin is older than the documented minimum', () => {
    const r = run((f) => (f.local = local({ plugin: { found: true, version: '1.2.54.0' } })));
    expect(r.status).toBe('warn');
    expect(r.fix?.cli.length).toBeGreaterThan(0);
  });

  it.each([
    ['darwin', 'arm64', ['brew install --cask session-manager-plugin', 'plugin/latest/mac_arm64/sessionmanager-bundle.zip']],
    ['darwin', 'x64', ['brew install --cask session-manager-plugin', 'plugin/latest/mac/sessionmanager-bundle.zip']],
    [
      'linux',
      'x64',
      [
        'plugin/latest/ubuntu_64bit/session-manager-plugin.deb',
        'sudo dpkg -i session-manager-plugin.deb',
        'plugin/latest/linux_64bit/session-manager-plugin.rpm',
        'sudo yum install -y session-manager-plugin.rpm',
      ],
    ],
    ['linux', 'arm64', ['plugin/latest/ubuntu_arm64/session-manager-plugin.deb', 'plugin/latest/linux_arm64/session-manager-plugin.rpm']],
    ['win32', 'x64', ['plugin/latest/windows/SessionManagerPluginSetup.exe']],
  ])('fails on %s/%s when missing, with the documented install commands', (platform, arch, expected) => {
    const r = run((f) => (f.local = local({ platform, arch, plugin: missing })));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('not on PATH');
    const cli = r.fix!.cli.join('\n');
    for (const e of expected) expect(cli).toContain(e);
    expect(r.fix?.terraform).toBeUndefined();
  });

  it('fails on an unknown platform with a pointer to the docs', () => {
    const r = run((f) => (f.local = local({ platform: 'freebsd', plugin: missing })));
    expect(r.status).toBe('fail');
    expect(r.fix?.summary).toContain('docs.aws.amazon.com');
  });

  it('skips a missing plugin in CI (nobody connects from there)', () => {
    expect(run((f) => (f.local = local({ ci: true, plugin: missing }))).status).toBe('skip');
  });
});
