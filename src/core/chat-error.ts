import { ErrorCode } from '../protocol/errors.js';
import { phrase, phraseText, type Phrase } from './error-text.js';

/** A failure the client caused or may recover from; its code is part of the API contract. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** How long to wait before answering: a client that keeps going past its limit is slowed down. */
    readonly answerAfterMs = 0,
    /** The same refusal as a key and values, for pages that say it in their reader's language. */
    readonly phrase?: Phrase,
  ) {
    super(detail);
    this.name = 'ChatError';
  }

  /** A refusal whose English `detail` is its phrase filled in. */
  static phrased(code: ErrorCode, said: Phrase, answerAfterMs = 0): ChatError {
    return new ChatError(code, phraseText(said), answerAfterMs, said);
  }
}

/** What a refusal says: plain English (seen only through the APIs), or a phrase the pages translate. */
type Said = string | Phrase;

const refusal = (code: ErrorCode, said: Said, answerAfterMs = 0): ChatError =>
  typeof said === 'string'
    ? new ChatError(code, said, answerAfterMs)
    : ChatError.phrased(code, said, answerAfterMs);

export const invalidParameter = (said: Said): ChatError => refusal(ErrorCode.invalidParameter, said);
export const notFound = (said: Said): ChatError => refusal(ErrorCode.notFound, said);
export const forbidden = (said: Said): ChatError => refusal(ErrorCode.forbidden, said);
export const invalidSession = (): ChatError =>
  ChatError.phrased(ErrorCode.invalidSession, phrase('sessionInvalid'));
export const rateLimited = (said: Said, answerAfterMs = 0): ChatError =>
  refusal(ErrorCode.rateLimited, said, answerAfterMs);
