// When the requests sent so far are on the wire, so that work that can wait (loading the next round's SDK
// client, the plugin check, the checks and renderers) fills the wait for the answers instead of delaying the
// requests. While a watch is open, each SDK call (trackSend) is pending until its first HTTP request has been
// written to the network (node's `http.client.request.start` diagnostics channel, attributed to the call
// through an AsyncLocalStorage, then the request's 'finish'), or until it settles (a mock, a failure before any
// request). Outside a watch nothing is counted: the AsyncLocalStorage's hooks cost every promise a little.
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

type Call = object;
const current = new AsyncLocalStorage<Call>();
const pending = new Set<Call>();
let watches = 0;
let waiters: (() => void)[] = [];

function out(call: Call): void {
  if (!pending.delete(call) || pending.size) return;
  const ready = waiters;
  waiters = [];
  for (const w of ready) w();
}

subscribe('http.client.request.start', (message) => {
  const call = current.getStore();
  if (call && pending.has(call)) (message as { request: NodeJS.EventEmitter }).request.once('finish', () => out(call));
});

/** Runs one SDK call (`send`); while a watch is open, it is pending until its request is written or it settles. */
export function trackSend<T>(send: () => Promise<T> | T): Promise<T> {
  if (!watches) return new Promise<T>((resolve) => resolve(send()));
  const call: Call = {};
  pending.add(call);
  const p = new Promise<T>((resolve) => current.run(call, () => resolve(send())));
  const done = () => out(call);
  p.then(done, done);
  return p;
}

/** Counts the SDK calls made from now on: out() resolves once all of them so far are on the wire; close() ends it. */
export function watchRequests(): { out(): Promise<void>; close(): void } {
  watches++;
  let open = true;
  return {
    out: () => (pending.size ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    close() {
      if (!open) return;
      open = false;
      if (--watches) return;
      current.disable();
      pending.clear();
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
    },
  };
}
