// Property-based tests explore new random cases on every local run, but CI must be deterministic:
// with CI set, fast-check uses a fixed seed (override with FC_SEED to replay a local failure).
import fc from 'fast-check';

const seed = process.env.FC_SEED ?? (process.env.CI ? '20261129' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
