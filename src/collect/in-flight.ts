// When the requests sent so far are on the wire, so that work that can wait (loading the next round's SDK
// client, the plugin check, the checks and renderers) fills the wait for the answers instead of delaying the
// requests. An SDK call (trackSend) is out once its first HTTP request has been written to the network (node's
// `http.client.request.start` diagnostics channel, attributed to the call through an AsyncLocalStorage, then
// the request's 'finish'), or once it settled (a mock, a failure before any request).
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

type Call = object;
const current = new AsyncLocalStorage<Call>();
const pending = new Set<Call>();
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

/** Runs one SDK call (`send`), counted as pending until its request is written or it settles. */
export function trackSend<T>(send: () => Promise<T> | T): Promise<T> {
  const call: Call = {};
  pending.add(call);
  const p = new Promise<T>((resolve, reject) => current.run(call, () => Promise.resolve(send()).then(resolve, reject)));
  const done = () => out(call);
  p.then(done, done);
  return p;
}

/** Resolves once every SDK call tracked so far has its request on the wire (or has settled). */
export function requestsOut(): Promise<void> {
  if (!pending.size) return Promise.resolve();
  return new Promise((resolve) => waiters.push(resolve));
}
