// Entry point of the bundled CLI (bin/ssm-doctor.js imports dist/cli.js).
// `--version` alone answers before the CLI (commander, every check, the renderers) is loaded: scripts call it often.
import pkg from '../../package.json' with { type: 'json' };

// A reader that stops early (`ssm-doctor --help | head -1`, `| true`) closes the pipe: the rest of the output has
// nowhere to go, which is not the run's failure. The run ends with its own exit code, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('./main.js');
  const code = await main(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
  // Exit once what was written is flushed: letting the event loop wind down by itself costs tens of
  // milliseconds after the report is out (closing sockets, V8's background work), for nothing.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
  process.exit(code);
}
