// A reader that closes the pipe early (`| head -1`, `| true`) is not an error: no stack trace, the run's own exit code.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './run-cli.js';

const EXAMPLE = join(ROOT, 'examples', 'nacl-blocks-ephemeral.json');

/** Runs `ssm-doctor <args> | <reader>` in bash; returns the CLI's exit code (PIPESTATUS) and its stderr. */
function piped(args: string, reader: string): { code: number; stderr: string } {
  const r = spawnSync('bash', ['-c', `node ${JSON.stringify(BIN)} ${args} 2>"$ERR" | ${reader}; echo "\${PIPESTATUS[0]}"; cat "$ERR"`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ERR: join(ROOT, 'node_modules', '.cache', `pipe-${process.pid}.err`), NO_COLOR: '1' },
  });
  const [code, ...rest] = r.stdout.split('\n');
  return { code: Number(code), stderr: rest.join('\n').trim() };
}

describe('output into a pipe the reader closes early', () => {
  it.each([
    ['--version', 'true', 0],
    ['--help', '(sleep 0.3; true)', 0],
    [`--snapshot ${EXAMPLE} --verbose`, '(sleep 0.3; head -c 1 >/dev/null)', 1],
    [`--snapshot ${EXAMPLE} --json --verbose`, 'true', 1],
  ])('ssm-doctor %s | %s: exit %i, nothing on stderr', (args, reader, code) => {
    const r = piped(args, reader);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(code);
  });
});
