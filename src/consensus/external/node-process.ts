/**
 * One copy of the user's node binary: spawned directly (no shell), one JSON message per line on
 * stdin/stdout, stderr kept for the report. Crash = SIGKILL; pause = SIGSTOP until SIGCONT (what
 * it is sent meanwhile waits in its stdin pipe, as on a frozen host).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface MaelstromBody extends Record<string, unknown> {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
}

export interface MaelstromMessage {
  src: string;
  dest: string;
  body: MaelstromBody;
}

export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with why the process is gone (failed to start, or exited). */
  readonly exited: Promise<string>;
  private paused = false;

  constructor(
    readonly id: string,
    command: string,
    args: readonly string[],
    onMessage: (m: MaelstromMessage) => void,
    onStderr: (line: string) => void,
  ) {
    this.child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // a node that exits is reported by its missing replies
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => resolve(`cannot start "${command}": ${err.message}`));
      this.child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let m: MaelstromMessage;
      try {
        m = JSON.parse(line) as MaelstromMessage;
      } catch {
        onStderr(`${id}: not a JSON message on stdout: ${line.slice(0, 200)}`);
        return;
      }
      if (m === null || typeof m !== 'object' || typeof m.dest !== 'string' || m.body === null || typeof m.body !== 'object' || typeof m.body.type !== 'string') {
        onStderr(`${id}: not a Maelstrom message (needs dest and body.type): ${line.slice(0, 200)}`);
        return;
      }
      onMessage(m);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => onStderr(`${id}: ${line}`));
  }

  send(m: MaelstromMessage): void {
    if (this.child.stdin.writable) this.child.stdin.write(JSON.stringify(m) + '\n');
  }

  pause(): void {
    if (!this.paused && this.child.kill('SIGSTOP')) this.paused = true;
  }

  resume(): void {
    if (this.paused) this.child.kill('SIGCONT');
    this.paused = false;
  }

  kill(): void {
    // A stopped process is killed by SIGKILL too; no SIGCONT needed.
    this.child.kill('SIGKILL');
  }
}
