import { codePointLength } from './text.js';

/** At most this many words of a query count; the rest are ignored (a long paste stays one cheap query). */
export const MAX_SEARCH_TERMS = 8;

/**
 * The words of a search as people typed them: split on white space, duplicates dropped (ignoring case).
 * Nothing in a word is syntax: stores match every word as a literal substring, all words required.
 */
export function searchTerms(query: string): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const word of query.split(/\s+/u)) {
    const key = word.toLowerCase();
    if (word === '' || seen.has(key)) continue;
    seen.add(key);
    terms.push(word);
    if (terms.length === MAX_SEARCH_TERMS) break;
  }
  return terms;
}

/** Substring indexes built from three-character pieces (SQLite's trigram) cannot look up shorter words. */
export const isShortTerm = (term: string): boolean => codePointLength(term) < 3;
