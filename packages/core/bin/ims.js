#!/usr/bin/env node
import { runCli } from '../dist/launcher.js';

// `ims vm list | head` closes the pipe early: that is the reader's choice, not a failure to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
// The command is over: end now even if plugin code left a timer or socket behind (a provider whose
// import never settled keeps an interval running). Output is already written: stdout and stderr
// are synchronous for files and pipes on Linux. A process with nothing left ends before this fires.
setTimeout(() => process.exit(), 0).unref();
