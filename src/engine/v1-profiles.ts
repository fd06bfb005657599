import { forbidden } from '../core/chat-error.js';
import { profileTicket } from '../core/ids.js';
import type { ChatEvent, Room, User } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { EventLog } from './event-log.js';
import type { Cancellable } from './observation.js';
import { invalidTicket, type Occupancy, type RoomSummary } from './occupancy.js';
import type { Queries } from './queries.js';
import {
  PROFILE_HOLDER,
  profileChangedBy,
  profileTopic,
  type RoomWatch,
  type Watcher,
} from './room-watch.js';
import type { V1Caller } from './v1-sessions.js';

/**
 * What user.getInfo shows of the logged-in user (spec 7.2). `counter` is the position in the event log the
 * profile was read at: user.observe waits from it for the next event that changes the profile (a room
 * joined, left or owned, a new name, an occupant coming or going).
 */
export interface Profile {
  user: User;
  counter: number;
  /** Rooms the user owns. */
  owned: RoomSummary[];
  /** Rooms the user belongs to, in the order joined (API 2.0's rooms of a user). */
  member: RoomSummary[];
  /** Rooms the user is in through API 1.0 right now. */
  occupied: RoomSummary[];
}

export interface ProfileSink {
  answer(profile: Profile | undefined): void;
}

export interface V1ProfilesDeps {
  store: Store;
  log: EventLog;
  queries: Queries;
  occupancy: Occupancy;
  watch: RoomWatch;
  clock: Clock;
  observeHoldMs: number;
  onError(err: unknown): void;
}

/** One held user.observe. */
class ProfileObserve implements Watcher, Cancellable {
  readonly events: ChatEvent[] = [];
  readonly topic: string;
  readonly holder: string;
  private done = false;

  constructor(
    private readonly profiles: V1Profiles,
    private readonly watch: RoomWatch,
    private readonly caller: V1Caller,
    private readonly sink: ProfileSink,
    readonly deadline: number,
  ) {
    this.topic = profileTopic((caller.user as User).id);
    this.holder = PROFILE_HOLDER + caller.session.key;
  }

  wants(): boolean {
    return true;
  }

  answer(events: readonly ChatEvent[]): void {
    if (this.done) return;
    this.done = true;
    if (events.length === 0) this.sink.answer(undefined);
    else this.profiles.answer(this.caller, this.sink);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.watch.drop(this);
  }
}

/** API 1.0's profile of the logged-in user: user.getInfo, and observing it for changes. */
export class V1Profiles {
  constructor(private readonly d: V1ProfilesDeps) {}

  private user(caller: V1Caller): User {
    if (!caller.user) throw forbidden('Log in first (auth.login): only a logged-in session has a profile.');
    return caller.user;
  }

  async info(caller: V1Caller): Promise<Profile> {
    const user = this.user(caller);
    const counter = this.d.log.head;
    const [member, occupants] = await Promise.all([
      this.d.queries.roomsOf(user.id),
      this.d.store.occupancy.ofUser(user.id),
    ]);
    const occupiedIds = [...new Set(occupants.map((o) => o.roomId))];
    const occupied = (await Promise.all(occupiedIds.map((id) => this.d.store.rooms.byId(id)))).filter(
      (r): r is Room => r !== undefined,
    );
    const rooms = new Map([...member, ...occupied].map((r) => [r.id, r]));
    const summaries = new Map(
      (await this.d.occupancy.summaries([...rooms.values()])).map((s) => [s.room.id, s]),
    );
    const of = (list: readonly Room[]) => list.map((r) => summaries.get(r.id) as RoomSummary);
    return {
      user,
      counter,
      owned: of(member.filter((r) => r.ownerId === user.id)),
      member: of(member),
      occupied: of(occupied),
    };
  }

  /** user.startObserving: the ticket to observe with (derived from the session: nothing is stored). */
  start(caller: V1Caller): { ticket: string; counter: number } {
    this.user(caller);
    return { ticket: profileTicket(caller.secret), counter: this.d.log.head };
  }

  private checkTicket(caller: V1Caller, ticket: string): void {
    if (ticket !== profileTicket(caller.secret)) throw invalidTicket();
  }

  /**
   * user.observe: the profile again as soon as an event after `counter` changes it, or nothing when the
   * hold ends. Events too old to be in memory are not searched: the profile is answered at once instead.
   */
  async observe(caller: V1Caller, ticket: string, counter: number, sink: ProfileSink): Promise<Cancellable> {
    const user = this.user(caller);
    this.checkTicket(caller, ticket);
    const { log } = this.d;
    const from = await log.headFor(counter);
    const changed =
      from < log.head &&
      (!log.inMemoryAfter(from) ||
        log.recentAfter(from, 1, (e) => profileChangedBy(e) === user.id).length > 0);
    if (changed) {
      this.answer(caller, sink);
      return { cancel: () => undefined };
    }
    const held = new ProfileObserve(
      this,
      this.d.watch,
      caller,
      sink,
      this.d.clock.now() + this.d.observeHoldMs,
    );
    this.d.watch.hold(held);
    return held;
  }

  /** user.stopObserving: a held user.observe is answered at once. */
  stop(caller: V1Caller, ticket: string): void {
    this.user(caller);
    this.checkTicket(caller, ticket);
    this.d.watch.release(PROFILE_HOLDER + caller.session.key);
  }

  answer(caller: V1Caller, sink: ProfileSink): void {
    this.info(caller).then(
      (profile) => sink.answer(profile),
      (err: unknown) => {
        this.d.onError(err);
        sink.answer(undefined);
      },
    );
  }
}
