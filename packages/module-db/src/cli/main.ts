#!/usr/bin/env node
// The `dramac-modules` binary. Everything lives in runCli; this file only wires the process.
import { runCli } from './run-cli';

runCli(process.argv.slice(2), process, process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli never throws; this is a last resort so a bug still ends with exit 1.
    console.error(error);
    process.exitCode = 1;
  },
);
