#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program.js';

/** `heap-integration`: the commands are in program.ts. */
const code = await runCli(process.argv.slice(2));
process.exit(code);
