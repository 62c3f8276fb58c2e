#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, which `npm install` runs via prepare).
const args = process.argv.slice(2);

if (args[0] === 'tools' && args[1] === 'record' && !args.includes('--help') && !args.includes('-h')) {
  // The timing hook runs on every agent tool call: skip loading the whole CLI (commander, zod,
  // every command) and go straight to the small CommonJS hook code, which takes the same flags.
  // require() rather than import(): no ES-module translation of the CommonJS closure. This file is
  // itself an ES module, so this path still pays Node's ESM start-up (~15 ms CPU); the cheapest
  // hook command is `node <swarmperf>/dist/timings/hook-main.cjs` (docs/tools.md).
  const { hookMain } = await import('../dist/timings/hook-cli.cjs');
  process.exitCode = hookMain(args.slice(2));
} else {
  const { main } = await import('../dist/cli/main.js');
  try {
    process.exitCode = await main(process.argv);
  } catch (err) {
    console.error(`swarmperf: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
