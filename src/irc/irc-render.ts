import type { ChatEvent, MembershipFact, Message, PresenceFact, Room } from '../core/model.js';
import { formatLine } from './irc-message.js';
import { oneLine, splitText, textRoom } from './irc-split.js';

/** What a connection negotiated that changes how events look: one rendering per combination. */
export const Variant = {
  plain: 0,
  /** `server-time`: each line carries `@time=` of its event. */
  serverTime: 1,
  /** `away-notify`: presence is `AWAY`, not `JOIN`/`PART`. */
  awayNotify: 2,
} as const;

const VARIANTS = 4;
/** The host part of every user's mask: people are Lingr accounts, not hosts. */
export const USER_HOST = 'lingr';
/** What an offline member's AWAY says. */
export const OFFLINE = 'offline';
/** The longest topic sent (ISUPPORT TOPICLEN). */
export const TOPIC_BYTES = 390;

export type Tags = ReadonlyArray<readonly [string, string]>;

export const channelOf = (roomId: string): string => `#${roomId}`;
export const maskOf = (nick: string): string => `${nick}!${nick}@${USER_HOST}`;
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** Cuts a string to at most `max` UTF-8 bytes between characters. */
function clip(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const c of text) {
    if (Buffer.byteLength(out + c) > max) break;
    out += c;
  }
  return out;
}

/**
 * Facts as IRC lines. An event's lines are the same for every connection that negotiated the same
 * capabilities, so each is built once per fan-out and variant and the same bytes go to all of them; what
 * differs per connection (whether to send it at all) the connection decides.
 */
export class IrcRender {
  private readonly built = new WeakMap<ChatEvent, Array<Buffer | undefined>>();

  constructor(private readonly publicUrl: string) {}

  /** The lines of one visible event for connections of `variant` (empty for a fact IRC does not show). */
  event(e: ChatEvent, variant: number): Buffer {
    let forEvent = this.built.get(e);
    if (!forEvent) this.built.set(e, (forEvent = new Array<Buffer | undefined>(VARIANTS)));
    let lines = forEvent[variant];
    if (!lines) forEvent[variant] = lines = Buffer.from(this.render(e, variant));
    return lines;
  }

  /** A line said in a room: PRIVMSG from its speaker, NOTICE from a bot, one IRC line per line of text. */
  message(m: Message, tags: Tags = []): string {
    const source = maskOf(m.speakerId);
    const command = m.type === 'bot' ? 'NOTICE' : 'PRIVMSG';
    const target = channelOf(m.roomId);
    return splitText(m.text, textRoom(source, command, target))
      .map((text) => formatLine(source, command, [target, text], tags))
      .join('');
  }

  /** The room as a topic: its name, its description and its address, on one line. */
  topic(room: Room): string {
    const parts = [room.name, room.blurb ?? '', `${this.publicUrl}/room/${room.id}`]
      .map((p) => oneLine(p).trim())
      .filter((p) => p !== '');
    return clip(parts.join(' — '), TOPIC_BYTES);
  }

  private render(e: ChatEvent, variant: number): string {
    const tags: Tags = variant & Variant.serverTime ? [['time', isoTime(e.createdAt)]] : [];
    const away = (variant & Variant.awayNotify) !== 0;
    switch (e.fact.kind) {
      case 'message':
        return this.message(e.fact.message, tags);
      case 'presence':
        return this.presence(e.roomId, e.fact.presence, away, tags);
      case 'membership':
        return this.membership(e.roomId, e.fact.membership, away, tags);
      default:
        return '';
    }
  }

  private presence(roomId: string, p: PresenceFact, away: boolean, tags: Tags): string {
    const source = maskOf(p.username);
    if (away) return formatLine(source, 'AWAY', p.status === 'online' ? [] : [OFFLINE], tags);
    return p.status === 'online'
      ? formatLine(source, 'JOIN', [channelOf(roomId)], tags)
      : formatLine(source, 'PART', [channelOf(roomId), OFFLINE], tags);
  }

  private membership(roomId: string, m: MembershipFact, away: boolean, tags: Tags): string {
    const source = maskOf(m.username);
    if (m.action === 'quit') return formatLine(source, 'PART', [channelOf(roomId), 'left the room'], tags);
    if (m.action !== 'join') return '';
    const join = formatLine(source, 'JOIN', [channelOf(roomId)], tags);
    // With away-notify every member is listed, and one who joined offline shows as away at once.
    return away && !m.online ? join + formatLine(source, 'AWAY', [OFFLINE], tags) : join;
  }
}
