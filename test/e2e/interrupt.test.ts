// Ctrl-C in a real terminal (a pseudo-terminal from util-linux `script`) against the local AWS server: the run ends
// at once, whatever it is doing, with exit 130, the spinner cleared and the cursor shown again.
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/facts/facts.js';
import { healthyFacts, IID, val, world } from '../fixtures/world.js';
import { startAwsServer, type AwsServer } from './aws-server.js';
import { awsEnv, hasScript, runInPty } from './run-cli.js';

const CTRL_C = '\u0003';
const SHOW_CURSOR = '\u001b[?25h';

/** The end of what the terminal showed, for a failure message. */
const tail = (output: string) => JSON.stringify(output.slice(-400));

/** The terminal output from the moment the keys were typed (what must follow the Ctrl-C). */
const after = (output: string, marker: RegExp) => output.slice(output.search(marker));

describe.skipIf(!hasScript())('Ctrl-C in a terminal (util-linux script)', { timeout: 60_000 }, () => {
  let server: AwsServer | undefined;
  const serve = async (...args: Parameters<typeof startAwsServer>) => (server = await startAwsServer(...args));
  const close = async () => {
    await server?.close();
    server = undefined;
  };

  it('while collecting (DescribeInstances never answers): exit 130, the cursor shown again', async () => {
    try {
      const s = await serve({ facts: healthyFacts(), faults: [{ action: 'DescribeInstances', kind: 'hang' }] });
      const r = await runInPty([IID, '--timeout', '600'], awsEnv(s.url), { until: /Reading/, keys: CTRL_C });
      expect(r.killed, tail(r.output)).toBe(false);
      expect(r.code).toBe(130);
      expect(after(r.output, /Reading/)).toContain(SHOW_CURSOR);
    } finally {
      await close();
    }
  });

  it('during the --wait countdown: exit 130, no report, the cursor shown again', async () => {
    try {
      const s = await serve({
        facts: world((f) => {
          f.agents[IID] = ok(null);
          f.connections[IID] = ok('notconnected');
        }),
      });
      const r = await runInPty([IID, '--wait', '2m'], awsEnv(s.url), { until: /left\)/, keys: CTRL_C });
      expect(r.killed, tail(r.output)).toBe(false);
      expect(r.code).toBe(130);
      expect(after(r.output, /left\)/)).toContain(SHOW_CURSOR);
      expect(r.output).not.toContain('NOT READY');
    } finally {
      await close();
    }
  });

  it('at the --reboot prompt: exit 130, nothing rebooted', async () => {
    try {
      const s = await serve({
        facts: world((f) => {
          f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost', lastPingDateTime: '2026-11-28T22:00:00.000Z' });
          f.connections[IID] = ok('notconnected');
        }),
      });
      const r = await runInPty([IID, '--reboot', '--no-color'], awsEnv(s.url), { until: /\[y\/N\]/, keys: CTRL_C });
      expect(r.output).toMatch(/Reboot i-\w+ in us-east-1\? \[y\/N\]/);
      expect(r.killed, tail(r.output)).toBe(false);
      expect(r.code).toBe(130);
      expect(s.reboots).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a terminal nobody sized (0 columns, as under `script` from a pipe): no spinner, so no hang; the report as usual', async () => {
    try {
      const s = await serve({ facts: healthyFacts() });
      const r = await runInPty([IID, '--no-color'], awsEnv(s.url), { unsized: true });
      expect(r.killed, tail(r.output)).toBe(false);
      expect(r.code).toBe(0);
      expect(r.output).toContain('OK');
    } finally {
      await close();
    }
  });
});

describe('a CI job cancelled mid-run (SIGTERM)', () => {
  /** The CLI terminated (SIGTERM, a cancelled CI job) once the collection is under way: exit code and output. */
  async function terminated(format: string[]) {
    const { spawn } = await import('node:child_process');
    const { BIN, ROOT } = await import('./run-cli.js');
    const server = await startAwsServer({ facts: healthyFacts(), faults: [{ action: 'DescribeInstances', kind: 'hang' }] });
    try {
      const child = spawn(process.execPath, [BIN, IID, ...format, '--timeout', '600'], { env: awsEnv(server.url), cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      // Terminate once the collection is under way (the other round-1 reads are answered; DescribeInstances hangs).
      for (let i = 0; i < 200 && !server.requests.some((r) => r.action === 'GetCallerIdentity'); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, stdout, stderr };
    } finally {
      await server.close();
    }
  }

  it('--format junit still leaves a valid document saying the run was terminated; exit 143', async () => {
    const { parseXml, all } = await import('../report/helpers.js');
    const { code, stdout, stderr } = await terminated(['--format', 'junit']);
    expect(code).toBe(143);
    expect(stderr).toContain('ssm-doctor: terminated');
    const root = parseXml(stdout);
    const [error] = all(root, 'error');
    expect(error!.attrs.message).toBe('the run was terminated before its report');
    expect(error!.attrs.type).toBe('terminated');
    expect(error!.text).toContain('(ssm-doctor exit code 143)');
  });

  it('--json still prints one document saying the run was terminated; exit 143', async () => {
    const { code, stdout, stderr } = await terminated(['--json']);
    expect(code).toBe(143);
    expect(stderr).toContain('ssm-doctor: terminated');
    expect(JSON.parse(stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { exitCode: 143, message: 'the run was terminated before its report' }, targets: [] });
  });
});
