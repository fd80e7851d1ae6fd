#!/usr/bin/env node
import module from 'node:module';
// Node 22.1+: keep V8's compiled code of the bundle between runs (compiling the SDK chunks is much of a live
// run's start-up). Older Node has no such cache: nothing happens.
module.enableCompileCache?.();
await import('../dist/cli.js');
