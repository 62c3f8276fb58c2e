/** What a control channel offers (channel.ts opens one; nats.ts and redis.ts implement it). */
export type ControlHandler = (message: unknown) => void;

export interface ControlChannel {
  /** The server URL, as given. */
  readonly url: string;
  /** Sends one message (fire and forget; a lost connection shows as silence to the other side). */
  publish(subject: string, message: unknown): void;
  /** Delivers every message on the subject, in order; resolves once the server has the subscription. */
  subscribe(subject: string, handler: ControlHandler): Promise<() => void>;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
