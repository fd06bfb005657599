import {
  formatMessage,
  formOf,
  shownValue,
  type Message,
  type MessageValues,
} from '../../client/format-message.js';
import type { ChatError } from '../../core/chat-error.js';
import type { Language } from '../../core/model.js';
import { ErrorCode } from '../../protocol/errors.js';
import { escapeHtml, SafeHtml } from '../html.js';
import { clockTime, dayLabel, fullDate, relativeTime } from '../../client/format-time.js';
import { CATALOGS, type Catalog, type Key } from './catalog.js';

/** Values for a sentence of markup: text and numbers are escaped, SafeHtml (a link, say) goes in as it is. */
export type HtmlValues = Readonly<Record<string, string | number | SafeHtml>>;

/** What a refusal without a phrase says, by its code: never English in another language's page. */
const FALLBACKS: Partial<Record<string, Key>> = {
  [ErrorCode.invalidParameter]: 'error.fallback.invalidParameter',
  [ErrorCode.notFound]: 'error.fallback.notFound',
  [ErrorCode.forbidden]: 'error.fallback.forbidden',
  [ErrorCode.rateLimited]: 'error.fallback.rateLimited',
  [ErrorCode.invalidSession]: 'error.sessionInvalid',
};

/**
 * The words of one answer: its catalog, its dates and times, and the page it answers (where the footer's
 * language switch comes back to).
 */
export class Translator {
  private readonly catalog: Catalog;

  constructor(
    readonly lang: Language,
    /** The page being answered, as a local path: where switching language returns to. */
    readonly here = '/',
  ) {
    this.catalog = CATALOGS[lang];
  }

  /** A sentence of the catalog, filled in; plurals follow the `count` value. */
  t(key: Key, values?: MessageValues): string {
    return formatMessage(this.lang, this.catalog[key], values);
  }

  /** A sentence as markup, for the few that hold a link or a highlighted name: everything else is escaped. */
  h(key: Key, values: HtmlValues = {}): SafeHtml {
    const text = formOf(this.lang, this.catalog[key], values.count);
    const parts = text.split(/\{(\w+)\}/);
    const out = parts.map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const value = values[part];
      if (value === undefined) return escapeHtml(`{${part}}`);
      return value instanceof SafeHtml ? value.value : escapeHtml(shownValue(this.lang, value));
    });
    return new SafeHtml(out.join(''));
  }

  /** "1,234" */
  number(n: number): string {
    return shownValue(this.lang, n);
  }

  /** A refusal in this language: its phrase translated, else what its code means in general. */
  error(err: ChatError): string {
    if (err.phrase) return this.t(`error.${err.phrase.key}`, err.phrase.values);
    if (this.lang === 'en') return err.detail;
    return this.t(FALLBACKS[err.code] ?? 'error.fallback.other');
  }

  /** The messages whose keys start with one of `prefixes`, for a page's script to say (see client/). */
  messages(...prefixes: string[]): Record<string, Message> {
    return Object.fromEntries(
      Object.entries(this.catalog).filter(([key]) => prefixes.some((p) => key.startsWith(p))),
    );
  }

  clock(ms: number, timeZone: string): string {
    return clockTime(this.lang, timeZone, ms);
  }

  fullDate(ms: number, timeZone: string): string {
    return fullDate(this.lang, timeZone, ms);
  }

  /** The date and time of a line, with its zone: what a time's tooltip and its permalink's name say. */
  fullTime(ms: number, timeZone: string): string {
    return this.t('live.fullTime', {
      date: fullDate(this.lang, timeZone, ms),
      time: clockTime(this.lang, timeZone, ms),
      zone: timeZone,
    });
  }

  /** "Today", "Yesterday", or the full date. */
  day(ms: number, timeZone: string, now = Date.now()): string {
    return dayLabel(this.lang, timeZone, ms, now);
  }

  /** "3 days ago" */
  ago(ms: number, now = Date.now()): string {
    return relativeTime(this.lang, ms, now);
  }
}
