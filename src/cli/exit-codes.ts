// The documented exit codes (README, "Exit codes"): scripts and CI gates depend on them.
export const EXIT = {
  /** Every target ok: no `fail`, no `error` (warnings allowed unless --fail-on warn). */
  OK: 0,
  /** At least one check failed or errored. */
  FINDINGS: 1,
  /** Usage error: bad arguments; nothing was sent to AWS. */
  USAGE: 2,
  /** Could not run at all: no credentials, no region, unreadable snapshot, a --json-file / --save-snapshot not written, AWS not reached at all. */
  CANNOT_RUN: 3,
  /** Interrupted (Ctrl-C / SIGINT): 128 + 2, what shells report for an interrupted command. */
  INTERRUPTED: 130,
} as const;

/** An error that ends the run with a one-line message and a documented exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** What lies behind the message (the AWS error, a stack), printed with --debug only. */
    readonly debugDetail?: string,
  ) {
    super(message);
  }
}
