/**
 * Frames for a channel with a size limit: a message whose JSON fits goes as one frame ("M" + JSON);
 * a larger one as numbered parts ("P" id:index:count: + slice) that the receiver joins. Both servers
 * keep one publisher's order, so parts arrive in order; a part out of place drops its message
 * (the protocol above treats a lost report like a dead agent), never a wrong message.
 */

/** Parts being joined at once, and their total size, at most (a bound against garbage on the channel). */
const MAX_PARTIAL = 64;
const MAX_PARTIAL_CHARS = 512 * 1024 * 1024;

export function encodeFrames(message: unknown, maxFrameChars: number, id: () => string): string[] {
  const json = JSON.stringify(message);
  if (json.length + 1 <= maxFrameChars) return [`M${json}`];
  const partChars = Math.max(1, maxFrameChars - 64);
  const count = Math.ceil(json.length / partChars);
  const key = id();
  const frames: string[] = [];
  for (let i = 0; i < count; i++) frames.push(`P${key}:${i}:${count}:${json.slice(i * partChars, (i + 1) * partChars)}`);
  return frames;
}

export class FrameJoiner {
  private readonly partial = new Map<string, { next: number; count: number; parts: string[]; chars: number }>();
  private chars = 0;

  /** The message a frame completes, or undefined (a part, or a frame that is not ours). */
  accept(frame: string): { message: unknown } | undefined {
    if (frame.startsWith('M')) return parse(frame.slice(1));
    if (!frame.startsWith('P')) return undefined;
    const m = /^P([^:]{1,64}):(\d{1,9}):(\d{1,9}):/.exec(frame);
    if (!m) return undefined;
    const [head, key, iText, nText] = m as unknown as [string, string, string, string];
    const index = Number(iText);
    const count = Number(nText);
    const body = frame.slice(head.length);
    let p = this.partial.get(key);
    if (!p) {
      if (index !== 0 || count < 2 || this.partial.size >= MAX_PARTIAL) return undefined;
      p = { next: 0, count, parts: [], chars: 0 };
      this.partial.set(key, p);
    }
    if (index !== p.next || count !== p.count || this.chars + body.length > MAX_PARTIAL_CHARS) {
      this.drop(key);
      return undefined;
    }
    p.parts.push(body);
    p.chars += body.length;
    this.chars += body.length;
    p.next++;
    if (p.next < p.count) return undefined;
    this.drop(key);
    return parse(p.parts.join(''));
  }

  private drop(key: string): void {
    const p = this.partial.get(key);
    if (!p) return;
    this.chars -= p.chars;
    this.partial.delete(key);
  }
}

function parse(json: string): { message: unknown } | undefined {
  try {
    return { message: JSON.parse(json) as unknown };
  } catch {
    return undefined;
  }
}
