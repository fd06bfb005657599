import type { Message } from '../../client/format-message.js';
import type { Language } from '../../core/model.js';
import { en } from './en.js';
import { ja } from './ja.js';

/** Every message the pages and their scripts say: the English catalog defines the keys. */
export type Key = keyof typeof en;
/** A language's catalog: a message for every key, no more and no fewer (the compiler and a test check). */
export type Catalog = Readonly<Record<Key, Message>>;

export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, ja };

/** Each language by its own name, as the footer's switch offers it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', ja: '日本語' };
