/** Stable API 2.0 error codes (spec 2.5). Clients switch on these strings; never rename one. */
export const ErrorCode = {
  invalidUserCredentials: 'invalid_user_credentials',
  invalidSession: 'invalid_session',
  notFound: 'not_found',
  rateLimited: 'rate_limited',
  invalidParameter: 'invalid_parameter',
  forbidden: 'forbidden',
  invalidBotVerifier: 'invalid_bot_verifier',
  invalidCounter: 'invalid_counter',
  internalError: 'internal_error',
  /** Not an API 2.0 code: an API 1.0 ticket that expired, was exited or is another session's (its 109). */
  invalidTicket: 'invalid_ticket',
  /** Not an API 2.0 code: answered with HTTP 405/400 outside a known endpoint or target. */
  methodNotAllowed: 'method_not_allowed',
  badRequestTarget: 'bad_request_target',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
