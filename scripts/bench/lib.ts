// What scripts/bench.mjs needs from TypeScript sources, bundled by it into node_modules/.cache/bench/lib.mjs
// (plain Node cannot import .ts): the local AWS wire-format server, the healthy one-instance world and the
// fleet generator.
export { startAwsServer, type AwsServer, type RecordedRequest } from '../../test/e2e/aws-server.js';
export { healthyFacts, IID } from '../../test/fixtures/world.js';
export { fleetFacts } from './fleet.js';
export { awsEnv } from '../../test/e2e/run-cli.js';
export { brokenFleet } from '../../test/fixtures/broken-fleet.js';
