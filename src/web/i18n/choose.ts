import { LANGUAGES, type Language } from '../../core/model.js';

/** Only this much of a header is read: a real one is a few dozen bytes. */
const MAX_HEADER = 1000;

const known = (tag: string): Language | undefined => {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return LANGUAGES.find((l) => l === primary);
};

/**
 * The first language Lingr speaks among those an Accept-Language header asks for, by their q-values (the
 * order given among equals; q=0 means "not this one"): `ja-JP` and `ja` are Japanese. Undefined when it asks
 * for none of them (or for anything, `*`).
 */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const asked = header
    .slice(0, MAX_HEADER)
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find(Boolean);
      return { language: known(tag), q: q === undefined ? 1 : Number(q), order };
    })
    .filter((a) => a.language !== undefined && a.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return asked[0]?.language;
}

/** What decides the language of a page, strongest first. */
export interface LanguageChoice {
  /** The signed-in user's setting (null: they follow their browser). */
  setting?: Language | null;
  /** The footer switch's cookie, for visitors. */
  cookie?: string;
  acceptLanguage?: string;
}

/** The user's setting, else the footer's cookie, else the browser's Accept-Language, else English. */
export function chooseLanguage(choice: LanguageChoice): Language {
  return (
    choice.setting ??
    LANGUAGES.find((l) => l === choice.cookie) ??
    fromAcceptLanguage(choice.acceptLanguage) ??
    'en'
  );
}
