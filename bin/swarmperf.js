#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, which `npm install` runs via prepare).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`swarmperf: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
