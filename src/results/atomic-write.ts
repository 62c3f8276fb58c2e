/** Kept so results/ and cli/ callers need no change: the implementation lives on the ground floor. */
export { checkOutputPath, writeFileAtomic, writeOutputFile, type AtomicWriteOptions } from '../core/atomic-write.js';
