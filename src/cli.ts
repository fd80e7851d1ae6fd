// Entry point of the bundled CLI (bin/ssm-doctor.js imports dist/cli.js).
import { main } from './main.js';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
