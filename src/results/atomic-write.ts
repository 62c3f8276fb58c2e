/** Kept so results/ and cli/ callers need no change: the implementation lives on the ground floor. */
export { writeFileAtomic } from '../core/atomic-write.js';
