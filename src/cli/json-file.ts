// `--json-file FILE`: the JSON report (schemaVersion 1) also written to a file, whatever --format prints on
// stdout (a CI job wants annotations or JUnit on stdout and the JSON as an artifact). Written piece by piece, before
// stdout (src/cli/main.ts): a file that cannot be written ends the run before the report is out. A file left half
// written is removed: the artifact is the whole document or nothing.
import { closeSync, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes.js';

export function writeJsonFile(path: string, chunks: Iterable<string>): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    for (const chunk of chunks) writeSync(fd, chunk);
  } catch (e) {
    if (fd !== undefined) removeRegularFile(path, fd);
    throw new CliError(`cannot write the JSON report to ${path}: ${(e as Error).message}`, EXIT.CANNOT_RUN);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes what was written, when it is a plain file (never a device or a pipe: /dev/full, a FIFO). */
function removeRegularFile(path: string, fd: number): void {
  try {
    if (fstatSync(fd).isFile()) unlinkSync(path);
  } catch {
    // The error that matters is the write's.
  }
}
