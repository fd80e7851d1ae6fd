// The published package: `npm pack` produces a tarball that installs into an empty folder and runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

describe('npm pack', () => {
  it('installs into an empty folder, and `npx ssm-doctor --version` runs there', { timeout: 240_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'ssm-doctor-pack-'));
    // dist/ is already built by `npm test`; --ignore-scripts keeps `prepare` from rebuilding it under running tests.
    npm(['pack', '--ignore-scripts', '--pack-destination', out], ROOT);
    const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const app = mkdtempSync(join(tmpdir(), 'ssm-doctor-app-'));
    writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, tarball!)], app);
    const version = execFileSync('npx', ['--no-install', 'ssm-doctor', '--version'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(version.trim()).toBe('0.1.0');

    // The examples ship in the package, so the README's offline demo works from an install too.
    const listing = npm(['ls', '--all', '--parseable'], app);
    expect(listing).toContain('ssm-doctor');
    const example = join(app, 'node_modules', 'ssm-doctor', 'examples', 'healthy.json');
    const report = execFileSync('npx', ['--no-install', 'ssm-doctor', '--snapshot', example, '--json'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(report).ok).toBe(true);
  });
});
