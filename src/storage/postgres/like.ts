/** An (I)LIKE pattern matching `text` anywhere, with the user's % and _ taken literally (ESCAPE '\'). */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
