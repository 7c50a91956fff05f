#!/usr/bin/env node
// Runs the simulated OVM Manager 2.2 (see dist/simulator/cli.js).
import { cliMain } from '../dist/simulator/cli.js';

process.exitCode = await cliMain(process.argv.slice(2));
