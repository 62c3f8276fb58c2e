/** Registers every built-in suite with the suite registry (one line each). */
import { registerSuite } from './types.js';
import { selftestSuite } from './selftest.js';
import { coordinationSuites } from './coordination/index.js';

let registered = false;

export function registerBuiltinSuites(): void {
  if (registered) return;
  registered = true;
  registerSuite(selftestSuite);
  for (const suite of coordinationSuites) registerSuite(suite);
}
