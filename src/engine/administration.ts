import { forbidden, notFound } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { Room, User } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import {
  checkDisplayName,
  checkEmail,
  checkId,
  checkPassword,
  checkRoomPassword,
  checkUsername,
  emailTaken,
  roomSettings,
} from '../core/validation.js';
import type { Memberships } from './memberships.js';
import type { PasswordHasher } from './password.js';

/**
 * Accounts and rooms as an operator (the command line) or a new user makes them. Membership goes through
 * the one writer, so a room joined from the command line reaches live sessions like any other join.
 */
export class Administration {
  constructor(
    private readonly store: Store,
    private readonly memberships: Memberships,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  /** An email, when given, must be free (whatever its case); the store decides between two at once. */
  async addUser(input: { username: string; password: string; name?: string; email?: string }): Promise<User> {
    const username = checkUsername(input.username);
    checkPassword(input.password);
    const name = checkDisplayName(input.name ?? username);
    const email = input.email === undefined ? null : checkEmail(input.email);
    // A deleted account's username stays its own, so its lines are never read as someone else's.
    if (
      (await this.store.users.byUsername(username)) ||
      (await this.store.users.retired([username])).size > 0
    )
      throw forbidden(phrase('userExists', { username }));
    if (email !== null && (await this.store.users.byEmail(email))) throw emailTaken();
    return this.store.users.create({
      username,
      name,
      email,
      passwordHash: await this.hasher.hash(input.password),
      createdAt: this.clock.now(),
    });
  }

  /**
   * Creates a room; its owner, if any, becomes its first member. With a password (not '') it is never
   * public.
   */
  async addRoom(input: {
    id: string;
    name: string;
    blurb?: string;
    owner?: string;
    isPublic?: boolean;
    tags?: readonly string[];
    timezone?: string;
    password?: string;
  }): Promise<Room> {
    const id = checkId('room id', input.id);
    const settings = roomSettings(input);
    const password = input.password ? checkRoomPassword(input.password) : undefined;
    const owner = input.owner === undefined ? undefined : await this.user(input.owner);
    if (await this.store.rooms.byId(id)) throw forbidden(phrase('roomExists', { room: id }));
    const passwordHash = password === undefined ? null : await this.hasher.hash(password);
    const room = await this.store.rooms.create({
      id,
      ...settings,
      isPublic: settings.isPublic && passwordHash === null,
      passwordHash,
      ownerId: owner?.id ?? null,
      createdAt: this.clock.now(),
    });
    if (owner) await this.memberships.join(room.id, owner.id, true);
    return room;
  }

  /** Makes the user a member; false when they already were. */
  async join(roomId: string, username: string): Promise<boolean> {
    if (!(await this.store.rooms.byId(roomId))) throw notFound(phrase('noRoom', { room: roomId }));
    const user = await this.user(username);
    return this.memberships.join(roomId, user.id);
  }

  private async user(username: string): Promise<User> {
    const user = await this.store.users.byUsername(username);
    if (!user) throw notFound(phrase('noUser', { username }));
    return user;
  }
}
