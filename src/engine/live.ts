import type { Clock } from '../core/time.js';
import type { EventLog } from './event-log.js';
import type { Hub } from './hub.js';
import type { Presence } from './presence.js';
import type { SessionRegistry } from './session-registry.js';

/** What a held observe or an open stream works with while it lives. */
export interface Live {
  readonly hub: Hub;
  readonly presence: Presence;
  readonly sessions: SessionRegistry;
  readonly log: EventLog;
  readonly clock: Clock;
  /** Streams closed because their reader fell too far behind. */
  readonly stats: { slowReaderCloses: number };
}
