/* global setImmediate */
// The fuzzing child: imports the CLI's main() once and runs the cases the parent sends over IPC,
// each as the launcher (bin/swarmperf.js) would, capturing stdout/stderr and the exit code. One
// process for many cases keeps the run to seconds; a case that hangs is the parent's to detect
// (it kills this process and starts another). Usage: node driver.mjs <path of dist/cli/main.js>
import { pathToFileURL } from 'node:url';

const mainPath = process.argv[2];
const { main, buildProgram } = await import(pathToFileURL(mainPath).href);

class ExitCalled extends Error {
  constructor(code) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

/**
 * Commander's tree: every command path with its options and required arguments. Commands load
 * lazily (only the one argv names), so each is built by naming it; older builds load all at once.
 */
async function describeTree() {
  const out = [];
  const walk = (cmd, path) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      out.push({
        path: p,
        hasSubcommands: sub.commands.length > 0,
        args: sub.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
        options: sub.options.map((o) => ({ long: o.long, flags: o.flags, description: o.description, takesValue: o.required || o.optional, negate: o.negate, mandatory: o.mandatory })),
      });
      walk(sub, p);
    }
  };
  let commands;
  try {
    ({ COMMANDS: commands } = await import(new URL('./commands/index.js', pathToFileURL(mainPath)).href));
  } catch {
    commands = undefined;
  }
  if (!Array.isArray(commands)) {
    walk(await buildProgram(), []);
    return out;
  }
  for (const entry of commands) {
    const program = await buildProgram(['node', 'swarmperf', entry.name]);
    const only = { commands: program.commands.filter((c) => c.name() === entry.name) };
    walk(only, []);
  }
  return out;
}

let current = null;
const realStdoutWrite = process.stdout.write.bind(process.stdout);
const realStderrWrite = process.stderr.write.bind(process.stderr);
const realExit = process.exit.bind(process);

process.on('uncaughtException', (err) => {
  if (current) current.stderr += `UNCAUGHT ${err && err.stack ? err.stack : String(err)}\n`;
});
process.on('unhandledRejection', (err) => {
  if (current) current.stderr += `UNHANDLED ${err && err.stack ? err.stack : String(err)}\n`;
});

async function runCase(argv) {
  current = { stdout: 0, stderr: '' };
  process.exitCode = undefined;
  process.stdout.write = (chunk, ...rest) => {
    current.stdout += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) cb();
    return true;
  };
  process.stderr.write = (chunk, ...rest) => {
    current.stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) cb();
    return true;
  };
  process.exit = (code) => {
    throw new ExitCalled(code ?? 0);
  };
  let code;
  try {
    code = await main(['node', 'swarmperf', ...argv]);
  } catch (err) {
    if (err instanceof ExitCalled) code = err.code;
    else {
      // As bin/swarmperf.js does with an error main() did not handle.
      current.stderr += `swarmperf: ${err instanceof Error ? err.message : String(err)}\n`;
      code = 1;
    }
  } finally {
    process.stdout.write = realStdoutWrite;
    process.stderr.write = realStderrWrite;
    process.exit = realExit;
  }
  // Let timers the command left behind fire into this case's capture, not the next one's.
  await new Promise((resolve) => setImmediate(resolve));
  const result = { code: typeof code === 'number' ? code : 0, stderr: current.stderr.slice(0, 4000), stdoutBytes: current.stdout };
  current = null;
  return result;
}

process.on('message', async (msg) => {
  if (msg.type === 'case') {
    const r = await runCase(msg.argv);
    process.send({ type: 'result', id: msg.id, ...r });
  } else if (msg.type === 'quit') {
    process.disconnect();
    realExit(0);
  }
});
process.send({ type: 'ready', tree: await describeTree() });
