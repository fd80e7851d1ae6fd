// One-line shell loops for fixes whose command cannot succeed at once: bounded, readable, saying why they wait or
// why they gave up. Each runs as pasted in bash and zsh (test/fix/shell.test.ts, test/fix/retry.test.ts).

/**
 * `command`, tried `attempts` times `seconds` apart until it succeeds (each failure prints the command's own error).
 * For an EC2 call right after an IAM change: IAM is eventually consistent, and EC2 answers "Invalid IAM Instance
 * Profile name" for about ten seconds after the profile was created.
 */
export function retrying(command: string, attempts = 6, seconds = 10): string {
  return `for attempt in $(seq ${attempts}); do ${command} && break; sleep ${seconds}; done`;
}

/**
 * Waits until `stateCommand` prints `done`, at most `attempts` × `seconds`; stops at once when it prints `failed`,
 * and says so on stderr (with `what`) when the state is anything but `done` at the end. `variable` keeps the state.
 */
export function waitForState(o: { variable: string; stateCommand: string; done: string; failed: string; what: string; attempts: number; seconds: number }): string {
  const v = o.variable;
  const value = `"$${v}"`;
  const orUnknown = '${' + v + ':-unknown}';
  return (
    `${v}=; for attempt in $(seq ${o.attempts}); do ${v}=$(${o.stateCommand}); ` +
    `case ${value} in ${o.done}|${o.failed}) break ;; esac; sleep ${o.seconds}; done; ` +
    `[ ${value} = ${o.done} ] || echo "${o.what} is ${orUnknown}, not ${o.done}" >&2`
  );
}
