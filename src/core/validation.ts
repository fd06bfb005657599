import { invalidParameter } from './chat-error.js';
import { phrase } from './error-text.js';
import { ID_PATTERN } from './ids.js';
import { imageType } from './image-type.js';
import { LANGUAGES, type Language } from './model.js';
import { checkNickname, codePointLength } from './text.js';

/** Top-level web paths: a user named like one would shadow it at `/<username>` (spec 8). */
const RESERVED_USERNAMES = new Set([
  'api',
  'room',
  'rooms',
  'bot',
  'bots',
  'tag',
  'tags',
  'images',
  'user',
  'users',
  'admin',
  'healthz',
  'metrics',
  'static',
  'assets',
  'explore',
  'search',
  'signup',
  'signin',
  'signout',
  'login',
  'logout',
  'settings',
  'account',
  'badge',
  'ws',
  'sse',
  'stream',
  'favicon.ico',
  'robots.txt',
]);

export const DEFAULT_TIMEZONE = 'America/Los_Angeles';
const MAX_PASSWORD_CHARS = 1024;
const MIN_PASSWORD_CHARS = 8;
const MAX_ROOM_NAME = 100;
const MAX_BLURB = 2000;
const MAX_TAGS = 10;
const TAG_PATTERN = /^[\p{L}\p{N}_.+#-]{1,40}$/u;
/** The longest address SMTP can carry (RFC 5321: a 256-octet path less its angle brackets). */
const MAX_EMAIL = 254;
/** Whitespace (Unicode's too) and control characters: none belongs in an address. */
const EMAIL_FORBIDDEN = /[\s\p{Cc}\p{Cf}]/u;

const ID_FORMATS = {
  username: 'usernameFormat',
  'room id': 'roomIdFormat',
  'bot id': 'botIdFormat',
} as const;

export function checkId(kind: keyof typeof ID_FORMATS, id: string): string {
  if (!ID_PATTERN.test(id)) throw invalidParameter(phrase(ID_FORMATS[kind]));
  return id;
}

export function checkUsername(username: string): string {
  checkId('username', username);
  if (RESERVED_USERNAMES.has(username.toLowerCase()))
    throw invalidParameter(phrase('usernameReserved', { username }));
  return username;
}

export function checkPassword(password: string): string {
  const length = codePointLength(password);
  if (length < MIN_PASSWORD_CHARS || length > MAX_PASSWORD_CHARS)
    throw invalidParameter(phrase('passwordLength', { min: MIN_PASSWORD_CHARS, max: MAX_PASSWORD_CHARS }));
  return password;
}

/**
 * An email address as people type it, trimmed: one `@`, something before it, and a domain with a dot
 * that neither starts nor ends with one. Whether it receives mail is not ours to know.
 */
export function checkEmail(raw: string): string {
  const email = raw.trim();
  if (email === '') throw invalidParameter(phrase('emailEmpty'));
  if (codePointLength(email) > MAX_EMAIL) throw invalidParameter(phrase('emailTooLong', { max: MAX_EMAIL }));
  if (EMAIL_FORBIDDEN.test(email)) throw invalidParameter(phrase('emailSpaces'));
  const at = email.indexOf('@');
  if (at < 0 || at !== email.lastIndexOf('@')) throw invalidParameter(phrase('emailOneAt'));
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local === '') throw invalidParameter(phrase('emailNoName'));
  if (!domain.includes('.') || domain.startsWith('.') || domain.endsWith('.') || domain.includes('..'))
    throw invalidParameter(phrase('emailNoDomain'));
  return email;
}

/** How emails are compared: whatever their case, two addresses that read alike are one. */
export const emailKey = (email: string): string => email.toLowerCase();

/** Another account has the address already (whatever its case). */
export const emailTaken = () => invalidParameter(phrase('emailTaken'));

/** A room's password (API 1.0): anything, up to an account password's length, for it is hashed the same way. */
export function checkRoomPassword(password: string): string {
  if (codePointLength(password) > MAX_PASSWORD_CHARS)
    throw invalidParameter(`room password must be at most ${MAX_PASSWORD_CHARS} characters.`);
  return password;
}

/** Icons are small pictures; anything bigger than this is not one worth keeping in the database. */
const MAX_ICON_BYTES = 256 * 1024;

/** An uploaded icon of a user or a room: PNG, JPEG, GIF or WebP by its bytes, up to 256 KB. */
export function checkIcon(bytes: Buffer): { type: string; bytes: Buffer } {
  const type = imageType(bytes);
  if (!type) throw invalidParameter(phrase('iconType'));
  if (bytes.length > MAX_ICON_BYTES) throw invalidParameter(phrase('iconTooLarge'));
  return { type, bytes };
}

export function checkTimezone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw invalidParameter(phrase('timezoneUnknown', { timezone: tz }));
  }
  return tz;
}

export function checkTags(tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
  if (clean.length > MAX_TAGS) throw invalidParameter(phrase('tooManyTags', { max: MAX_TAGS }));
  for (const t of clean) if (!TAG_PATTERN.test(t)) throw invalidParameter(phrase('tagFormat', { tag: t }));
  return clean;
}

/** What a room's owner sets: its name, description, visibility, tags and timezone. */
export interface RoomSettingsInput {
  name: string;
  blurb?: string;
  isPublic?: boolean;
  tags?: readonly string[];
  timezone?: string;
}

/** Validated room settings, shared by creating and editing. */
export function roomSettings(input: RoomSettingsInput) {
  const name = input.name.trim();
  if (name === '' || codePointLength(name) > MAX_ROOM_NAME)
    throw invalidParameter(phrase('roomNameLength', { max: MAX_ROOM_NAME }));
  if (input.blurb !== undefined && codePointLength(input.blurb) > MAX_BLURB)
    throw invalidParameter(phrase('blurbTooLong', { max: MAX_BLURB }));
  return {
    name,
    blurb: input.blurb?.trim() || null,
    isPublic: input.isPublic ?? true,
    tags: checkTags(input.tags ?? []),
    timezone: checkTimezone(input.timezone ?? DEFAULT_TIMEZONE),
  };
}

/** A language for the pages as a form sends it: one Lingr speaks, or '' for none (follow the browser). */
export function checkLanguage(raw: string): Language | null {
  if (raw === '') return null;
  const language = LANGUAGES.find((l) => l === raw);
  if (!language) throw invalidParameter(phrase('languageUnknown', { language: raw }));
  return language;
}

/** The display name people see: a nickname's rules. */
export const checkDisplayName = checkNickname;
