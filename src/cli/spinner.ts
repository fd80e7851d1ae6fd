// The progress spinner on stderr (a terminal only, never with CI set). Loading ora costs more than a round
// trip, so the spinner is created at once but only drawn by show(), called once the first requests are on
// their way: until then it only remembers the latest text.
import { onInterrupt } from './interrupt.js';

export interface Spinner {
  update(text: string): void;
  /** Loads ora and starts drawing (once; nothing after stop()). */
  show(): void;
  stop(): void;
}

export function spinner(io: { stderr: NodeJS.WritableStream & { isTTY?: boolean }; env: NodeJS.ProcessEnv }, text: string): Spinner {
  // A terminal 0 columns wide (a pty nobody sized) would make ora count infinitely many lines to clear: no spinner.
  const columns = (io.stderr as { columns?: number }).columns;
  if (!io.stderr.isTTY || io.env.CI || columns === 0) return { update() {}, show() {}, stop() {} };
  let latest = text;
  let stopped = false;
  let drawn: { text: string; stop(): unknown } | undefined;
  let forget = () => {};
  let loading = false;
  return {
    update(t) {
      latest = t;
      if (drawn) drawn.text = t;
    },
    show() {
      if (loading || stopped) return;
      loading = true;
      void import('ora').then(({ default: ora }) => {
        if (stopped) return;
        // discardStdin: false keeps the terminal turning Ctrl-C into SIGINT (src/cli/interrupt.ts).
        const s = ora({ text: latest, stream: io.stderr, discardStdin: false }).start();
        forget = onInterrupt(() => s.stop());
        drawn = s;
      }, () => {}); // no spinner is no loss
    },
    stop() {
      stopped = true;
      forget();
      drawn?.stop();
    },
  };
}
