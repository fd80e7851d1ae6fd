// `--json-file FILE`: the JSON report (schemaVersion 1) also written to a file, whatever --format prints on
// stdout (a CI job wants annotations or JUnit on stdout and the JSON as an artifact). Written piece by piece.
import { closeSync, openSync, writeSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes.js';

export function writeJsonFile(path: string, chunks: Iterable<string>): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
    for (const chunk of chunks) writeSync(fd, chunk);
  } catch (e) {
    throw new CliError(`cannot write the JSON report to ${path}: ${(e as Error).message}`, EXIT.CANNOT_RUN);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
