/**
 * Ctrl-C (and SIGTERM) for a long command: the first asks the work to stop through its signal and
 * says so, the second quits at once with 130. A module of its own so that commands without the run
 * machinery of common.ts (`agent`) share it.
 */
export async function withInterrupt<T>(say: (line: string) => void, stopping: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    say(`${sig}: stopping; ${stopping}. Press Ctrl-C again to quit at once.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
