import type { ServerResponse } from 'node:http';
import { sendApi } from './respond.js';

interface Cancellable {
  cancel(): void;
}

const pending = Symbol('pending');
type Held = ServerResponse & { [pending]?: Cancellable };

// One listener function shared by every held response: no closure per request.
function onClose(this: Held): void {
  if (!this.writableEnded) this[pending]?.cancel();
  this[pending] = undefined;
}

/** A response answered later (a held long poll). Keeps only the response and its JSONP name. */
export class HeldResponse {
  constructor(
    private readonly res: ServerResponse,
    private readonly callback: string | undefined,
    private readonly closing: () => boolean,
  ) {}

  send(body: Buffer | string): void {
    (this.res as Held)[pending] = undefined;
    sendApi(this.res, body, { callback: this.callback, close: this.closing() });
  }

  /** Cancels `work` if the client goes away before the answer. */
  onAbort(work: Cancellable): void {
    const res = this.res as Held;
    if (res.destroyed) {
      work.cancel();
      return;
    }
    if (res.writableEnded) return;
    res[pending] = work;
    res.on('close', onClose);
  }
}
