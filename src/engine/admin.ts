import { forbidden, invalidParameter, notFound } from '../core/chat-error.js';
import { ID_PATTERN } from '../core/ids.js';
import type { ChatEvent, Room, User } from '../core/model.js';
import type { Store } from '../core/ports.js';
import { checkNickname, codePointLength } from '../core/text.js';
import type { Clock } from '../core/time.js';
import type { PasswordHasher } from './password.js';
import type { Shapes } from './shapes.js';

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

export function checkId(kind: string, id: string): string {
  if (!ID_PATTERN.test(id)) throw invalidParameter(`${kind} must be 1 to 40 letters, digits or underscores.`);
  return id;
}

export function checkTimezone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw invalidParameter(`Unknown timezone "${tz}"; use an IANA name such as Asia/Tokyo.`);
  }
  return tz;
}

export function checkTags(tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
  if (clean.length > MAX_TAGS) throw invalidParameter(`A room has at most ${MAX_TAGS} tags.`);
  for (const t of clean)
    if (!TAG_PATTERN.test(t)) throw invalidParameter(`Tag "${t}" must be 1 to 40 letters, digits or _.+#-.`);
  return clean;
}

/** Account and room administration, shared by the command line and (later) the web pages. */
export class Admin {
  constructor(
    private readonly store: Store,
    private readonly shapes: Shapes,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
  ) {}

  async addUser(input: { username: string; password: string; name?: string }): Promise<User> {
    const username = checkId('username', input.username);
    if (RESERVED_USERNAMES.has(username.toLowerCase())) throw invalidParameter(`"${username}" is reserved.`);
    const length = codePointLength(input.password);
    if (length < MIN_PASSWORD_CHARS || length > MAX_PASSWORD_CHARS)
      throw invalidParameter(`password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters.`);
    const name = checkNickname(input.name ?? username);
    if (await this.store.users.byUsername(username)) throw forbidden(`User "${username}" already exists.`);
    return this.store.users.create({
      username,
      name,
      passwordHash: await this.hasher.hash(input.password),
      createdAt: this.clock.now(),
    });
  }

  /** Validated room settings, shared by creating and editing. */
  static roomSettings(input: {
    name: string;
    blurb?: string;
    isPublic?: boolean;
    tags?: readonly string[];
    timezone?: string;
  }) {
    const name = input.name.trim();
    if (name === '' || codePointLength(name) > MAX_ROOM_NAME)
      throw invalidParameter(`room name must be 1 to ${MAX_ROOM_NAME} characters.`);
    if (input.blurb !== undefined && codePointLength(input.blurb) > MAX_BLURB)
      throw invalidParameter(`blurb is longer than ${MAX_BLURB} characters.`);
    return {
      name,
      blurb: input.blurb?.trim() || null,
      isPublic: input.isPublic ?? true,
      tags: checkTags(input.tags ?? []),
      timezone: checkTimezone(input.timezone ?? DEFAULT_TIMEZONE),
    };
  }

  async addRoom(input: {
    id: string;
    name: string;
    blurb?: string;
    owner?: string;
    isPublic?: boolean;
    tags?: readonly string[];
    timezone?: string;
  }): Promise<Room> {
    const id = checkId('room id', input.id);
    const settings = Admin.roomSettings(input);
    const owner = input.owner === undefined ? undefined : await this.user(input.owner);
    if (await this.store.rooms.byId(id)) throw forbidden(`Room "${id}" already exists.`);
    const room = await this.store.rooms.create({
      id,
      ...settings,
      ownerId: owner?.id ?? null,
      createdAt: this.clock.now(),
    });
    if (owner) await this.join(room.id, owner.username, true);
    return room;
  }

  /** Makes the user a member; emits a membership event when membership really changes. */
  async join(roomId: string, username: string, isOwner = false): Promise<ChatEvent | undefined> {
    const room = await this.store.rooms.byId(roomId);
    if (!room) throw notFound(`No room "${roomId}".`);
    const user = await this.user(username);
    const now = this.clock.now();
    const joined = await this.store.rooms.join(
      { roomId, userId: user.id, isOwner, joinedAt: now, lastActiveAt: null },
      (member) => ({
        roomId,
        createdAt: now,
        body: { kind: 'membership', membership: this.shapes.membership(member, false, 'join') },
      }),
    );
    return joined?.event;
  }

  private async user(username: string): Promise<User> {
    const user = await this.store.users.byUsername(username);
    if (!user) throw notFound(`No user "${username}".`);
    return user;
  }
}
