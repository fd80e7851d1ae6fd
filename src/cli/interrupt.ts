// Ctrl-C ends a run at once, whatever it is doing (collecting, the --wait countdown, the --reboot prompt): what is
// on the terminal is tidied up (the spinner cleared, the cursor shown again) and the process exits with 130
// (128 + SIGINT, what shells report for an interrupted command).
// Two things used to swallow it: ora's stdin handling (it puts the terminal in raw mode, where Ctrl-C is only a byte
// on a stdin nobody reads: spinners are started with discardStdin: false), and readline's prompt, which turns
// Ctrl-C into its own 'SIGINT' event (confirm.ts forwards it here).
import { EXIT } from './exit-codes.js';

/** Shows the terminal cursor again (spinners hide it). */
const SHOW_CURSOR = '\u001b[?25h';

/** Exit codes of the signals that end a run: 128 + the signal number, as shells report them. */
export const SIGNAL_EXIT = { SIGINT: EXIT.INTERRUPTED, SIGTERM: 143 } as const;
export type Signal = keyof typeof SIGNAL_EXIT;

const cleanups = new Set<(signal: Signal) => void>();
let installed = false;

/** Runs `cleanup` if the run is interrupted; returns the function that forgets it (call it when done). */
export function onInterrupt(cleanup: (signal: Signal) => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * Ends the run now: every registered cleanup (newest first), the cursor shown, one line saying so, exit 130 (Ctrl-C)
 * or 143 (SIGTERM: what CI systems send when a job is cancelled).
 */
export function interrupt(stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr, signal: Signal = 'SIGINT'): never {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup(signal);
    } catch {
      // Tidying up must not keep the process alive.
    }
  }
  cleanups.clear();
  if (stderr.isTTY) stderr.write(SHOW_CURSOR);
  stderr.write(`ssm-doctor: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}\n`);
  process.exit(SIGNAL_EXIT[signal]);
}

/** SIGINT (Ctrl-C in a terminal, `kill -INT`) ends the run through interrupt(); installed once per process. */
export function exitOnInterrupt(stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => interrupt(stderr, 'SIGINT'));
  process.on('SIGTERM', () => interrupt(stderr, 'SIGTERM'));
}
