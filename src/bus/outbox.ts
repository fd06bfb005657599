import type { BusMessage } from '../core/ports.js';

/**
 * What a process publishes in one loop turn, sent as one batch at the end of the turn (or sooner, by
 * `flush`), with the events of consecutive writes merged into one message.
 */
export class Outbox {
  private messages: BusMessage[] = [];

  constructor(private readonly send: (messages: BusMessage[]) => void) {}

  push(message: BusMessage): void {
    const last = this.messages[this.messages.length - 1];
    if (message.kind === 'events' && last?.kind === 'events') last.events.push(...message.events);
    else {
      if (this.messages.length === 0) setImmediate(() => this.flush());
      this.messages.push(
        message.kind === 'events' ? { kind: 'events', events: [...message.events] } : message,
      );
    }
  }

  /** Sends what is waiting now (a request must follow what was published before it). */
  flush(): void {
    const messages = this.messages;
    if (messages.length === 0) return;
    this.messages = [];
    this.send(messages);
  }

  /** Forgets what is waiting (the process is leaving). */
  clear(): void {
    this.messages = [];
  }
}
