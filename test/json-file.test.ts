// `--json-file` (src/cli/json-file.ts): the whole document or nothing, and a write that fails is the run's error.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonFile } from '../src/cli/json-file.js';
import { CliError, EXIT } from '../src/cli/exit-codes.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ssm-doctor-json-file-'));

function thrown(f: () => void): CliError {
  try {
    f();
  } catch (e) {
    return e as CliError;
  }
  throw new Error('did not throw');
}

describe('writeJsonFile', () => {
  it('writes every piece', () => {
    const file = join(tmp(), 'r.json');
    writeJsonFile(file, ['{"a":', '1}\n']);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });

  it('a folder that does not exist: exit 3 naming the file, nothing created', () => {
    const file = join(tmp(), 'no', 'such', 'r.json');
    const e = thrown(() => writeJsonFile(file, ['{}\n']));
    expect(e).toBeInstanceOf(CliError);
    expect(e.exitCode).toBe(EXIT.CANNOT_RUN);
    expect(e.message).toMatch(/^cannot write the JSON report to .*r\.json: ENOENT/);
  });

  it('a write that fails half way leaves no half document behind', () => {
    const file = join(tmp(), 'r.json');
    function* pieces() {
      yield '{"targets":[';
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    const e = thrown(() => writeJsonFile(file, pieces()));
    expect(e.exitCode).toBe(EXIT.CANNOT_RUN);
    expect(e.message).toContain('ENOSPC');
    expect(existsSync(file)).toBe(false);
  });

  it.skipIf(!existsSync('/dev/full'))('a device that is full: the error, and the device left alone', () => {
    const e = thrown(() => writeJsonFile('/dev/full', ['{}\n']));
    expect(e.message).toMatch(/^cannot write the JSON report to \/dev\/full: ENOSPC/);
    expect(existsSync('/dev/full')).toBe(true);
  });
});
