/**
 * Loaded into a user's Node program by `swarmperf profile --cmd` (NODE_OPTIONS=--import): starts
 * the V8 profiler before the program's first line and writes <dir>/cmd-<pid>.cpuprofile when the
 * process exits. In-thread inspector calls complete synchronously, which is what lets the profile
 * be taken inside the synchronous 'exit' handler. (Node 20 refuses --cpu-prof in NODE_OPTIONS.)
 */
import { Session } from 'node:inspector';
import { MAX_INTERVAL_US, MIN_INTERVAL_US, PROFILE_DIR_ENV, PROFILE_INTERVAL_ENV, writeProfile, type CpuProfile } from './cpuprofile.js';

const dir = process.env[PROFILE_DIR_ENV];
if (dir) {
  const asked = Number(process.env[PROFILE_INTERVAL_ENV] ?? 1000);
  const interval = Number.isInteger(asked) && asked >= MIN_INTERVAL_US && asked <= MAX_INTERVAL_US ? asked : 1000;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) process.stderr.write(`swarmperf: profile of ${process.pid} not taken: ${err?.message ?? 'no result'}\n`);
      else writeProfile(dir, `cmd-${process.pid}`, result.profile as CpuProfile);
    });
  });
}
