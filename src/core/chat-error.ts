import { ErrorCode } from '../protocol/errors.js';

/** A failure the client caused or may recover from; its code is part of the API contract. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** How long to wait before answering: a client that keeps going past its limit is slowed down. */
    readonly answerAfterMs = 0,
  ) {
    super(detail);
    this.name = 'ChatError';
  }
}

export const invalidParameter = (detail: string): ChatError =>
  new ChatError(ErrorCode.invalidParameter, detail);
export const notFound = (detail: string): ChatError => new ChatError(ErrorCode.notFound, detail);
export const forbidden = (detail: string): ChatError => new ChatError(ErrorCode.forbidden, detail);
export const invalidSession = (): ChatError =>
  new ChatError(ErrorCode.invalidSession, 'The session is missing, unknown, expired or destroyed.');
export const rateLimited = (detail: string, answerAfterMs = 0): ChatError =>
  new ChatError(ErrorCode.rateLimited, detail, answerAfterMs);
