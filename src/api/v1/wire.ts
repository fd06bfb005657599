import { ChatError } from '../../core/chat-error.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiExchange } from '../../http/api-exchange.js';
import { InvalidEncoding, type Params } from '../../http/params.js';
import { xmlReply, type V1Object } from './xml.js';

/** API 1.0's content types (spec 2.4): a known client drops JSON not typed `text/javascript`. */
export const V1_JSON_TYPE = 'text/javascript; charset=utf-8';
export const V1_XML_TYPE = 'text/xml; charset=utf-8';

/** API 1.0's numeric error codes (spec 7.4); 199 is every problem without a code of its own. */
export const V1Code = {
  invalidSession: 102,
  unsupportedFormat: 104,
  loginFailed: 105,
  invalidTicket: 109,
  counterMissing: 114,
  invalidEncoding: 120,
  other: 199,
} as const;

/** A failure that only API 1.0 has a code for (a format it does not speak, a missing counter). */
export class V1Failure extends ChatError {
  constructor(
    readonly v1Code: number,
    detail: string,
  ) {
    super(ErrorCode.invalidParameter, detail);
  }
}

export type Format = 'xml' | 'json';

/**
 * The format a call asks for (spec 7.1): XML unless `format=json`; a JSONP `callback` without a format
 * means JSON. Any other format is error 104, written in XML.
 */
export function formatOf(p: Params | undefined): Format | 'unsupported' {
  const format = p?.str('format')?.toLowerCase();
  if (format === undefined) return p?.has('callback') ? 'json' : 'xml';
  return format === 'xml' || format === 'json' ? format : 'unsupported';
}

export function checkFormat(p: Params): Format {
  const format = formatOf(p);
  if (format === 'unsupported')
    throw new V1Failure(V1Code.unsupportedFormat, 'format must be "xml" (the default) or "json".');
  return format;
}

/** The code of an error as API 1.0 says it: the engine's errors mapped here, at the edge. */
export function v1CodeOf(e: { code: ErrorCode }): number {
  if (e instanceof V1Failure) return e.v1Code;
  if (e instanceof InvalidEncoding) return V1Code.invalidEncoding;
  switch (e.code) {
    case ErrorCode.invalidSession:
      return V1Code.invalidSession;
    case ErrorCode.invalidUserCredentials:
      return V1Code.loginFailed;
    case ErrorCode.invalidTicket:
      return V1Code.invalidTicket;
    default:
      return V1Code.other;
  }
}

export interface V1Answer {
  callback: string | undefined;
  close: boolean;
  status?: number;
  extra?: ReadonlyArray<readonly [string, string]>;
}

/** Writes a reply in the format asked for; JSONP only wraps JSON. */
export function sendV1(exchange: ApiExchange, reply: V1Object, format: Format, answer: V1Answer): void {
  const json = format === 'json';
  exchange.send(json ? JSON.stringify(reply) : xmlReply(reply), {
    type: json ? V1_JSON_TYPE : V1_XML_TYPE,
    callback: json ? answer.callback : undefined,
    close: answer.close,
    status: answer.status,
    extra: answer.extra,
  });
}

/** `{"status":"fail","error":{"code":102,"message":"…"}}` (spec 7.1, 7.4). */
export function failure(code: number, message: string): V1Object {
  return { status: 'fail', error: { code, message } };
}
