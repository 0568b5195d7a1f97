#!/usr/bin/env node
import 'reflect-metadata';
import { keepHeapNearLiveSet } from '../memory-tuning.js';
import { runCli } from './program.js';

/** `heap-integration`: the commands are in program.ts. */

// A reader that stops reading (`| head`) loses the rest of the output; the run goes on (a backfill
// keeps its checkpoint and exit code) instead of ending on a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});
keepHeapNearLiveSet();
const code = await runCli(process.argv.slice(2));
process.exit(code);
