// What --help prints after the options: examples and exit codes, each line within 80 columns (the options above
// are wrapped by commander to the help width).

/** The per-request timeout when --timeout is not given, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = '10';

/**
 * The width commander wraps --help to: the terminal's (or COLUMNS), 80 when unknown, never wider than 100 (long lines
 * read badly on wide terminals). Self-contained: --help loads nothing of the report.
 */
export function helpWidth(columns: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.COLUMNS);
  const w = columns && columns > 0 ? columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(40, Math.min(w, 100));
}

export const EXAMPLES = `
Examples:
  $ ssm-doctor i-0123456789abcdef0
      diagnose one instance (default credentials and region)
  $ ssm-doctor i-0123456789abcdef0 --profile prod --region eu-west-1
  $ ssm-doctor i-0aaa11112222333aa i-0bbb11112222333bb --json > report.json
  $ ssm-doctor i-0123456789abcdef0 --save-snapshot case.json
      keep the facts to re-check or share later
  $ ssm-doctor --snapshot examples/missing-ssmmessages-endpoint.json
      no AWS account needed
  $ ssm-doctor i-0123456789abcdef0 --reboot
      reboot it if only a reboot can help (asks first)
  $ ssm-doctor --tag Env=prod --tag App=web --wait 10m
      every (non-terminated) instance tagged so, once online
  $ ssm-doctor --all-running --filter Name=vpc-id,Values=vpc-0abc
      every running instance of a VPC
  $ ssm-doctor mi-0123456789abcdef0
      a hybrid managed node: agent and connection only
  $ ssm-doctor --all-running --format junit --skip client > ssm-doctor.xml
      a CI test report

Exit codes:
  0 all ok · 1 a check failed or could not be checked (or warned, with
  --fail-on warn) · 2 usage error · 3 could not run · 130 interrupted
`;
