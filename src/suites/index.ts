/** Registers every built-in suite with the suite registry (one line each). */
import { registerSuite } from './types.js';
import { selftestSuite } from './selftest.js';

let registered = false;

export function registerBuiltinSuites(): void {
  if (registered) return;
  registered = true;
  registerSuite(selftestSuite);
}
