// When the requests sent so far are on the wire, so that work that can wait (loading the next round's SDK
// client, the plugin check, the checks and renderers) fills the wait for the answers instead of delaying the
// requests. While a watch is open, SDK calls (trackSend) are counted, and so are HTTP requests written to the
// network (node's `http.client.request.start` diagnostics channel, then the request's 'finish') and calls
// settled: all are out once writes + settled >= calls. Exact while the network is slower than the CPU (no answer
// comes back before every request has left); early otherwise, when there is no wait to fill anyway. A call that
// never writes (a mock, a failure before any request) counts once it settles. Nothing is attributed per call:
// an AsyncLocalStorage would, but its async hooks cost every promise of the SDK on this very path.
import { subscribe } from 'node:diagnostics_channel';

let watches = 0;
let calls = 0;
let writes = 0;
let settled = 0;
let waiters: (() => void)[] = [];

function check(): void {
  if (writes + settled < calls) return;
  const ready = waiters;
  waiters = [];
  for (const w of ready) w();
}

subscribe('http.client.request.start', (message) => {
  if (!watches) return;
  (message as { request: NodeJS.EventEmitter }).request.once('finish', () => {
    if (!watches) return;
    writes++;
    check();
  });
});

/** Runs one SDK call (`send`); while a watch is open, it counts until its request is written or it settles. */
export function trackSend<T>(send: () => Promise<T> | T): Promise<T> {
  const p = new Promise<T>((resolve) => resolve(send()));
  if (!watches) return p;
  calls++;
  const done = () => {
    if (!watches) return;
    settled++;
    check();
  };
  p.then(done, done);
  return p;
}

/** Counts the SDK calls made from now on: out() resolves once all of them so far are on the wire; close() ends it. */
export function watchRequests(): { out(): Promise<void>; close(): void } {
  watches++;
  let open = true;
  return {
    out: () => new Promise<void>((resolve) => {
      waiters.push(resolve);
      check();
    }),
    close() {
      if (!open) return;
      open = false;
      if (--watches) return;
      calls = writes = settled = 0;
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
    },
  };
}
