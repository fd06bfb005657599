import type { Message, Room } from '../core/model.js';
import { UNREAD_CAP } from '../engine/queries.js';
import { html, linkify, type SafeHtml } from './html.js';
import { clockTime, fullDate, localDate } from './time-format.js';

export const iconOf = (username: string) => `/images/user/${encodeURIComponent(username)}/42x42.gif`;
export const botIconOf = (botId: string, size = '42x42') =>
  `/images/bot/${encodeURIComponent(botId)}/${size}.gif`;
export const botPath = (botId: string) => `/bot/${encodeURIComponent(botId)}`;
/** A line's icon: bots and people live in separate namespaces, so a bot's id may also be someone's name. */
export const speakerIcon = (m: Pick<Message, 'type' | 'speakerId'>) =>
  m.type === 'bot' ? botIconOf(m.speakerId) : iconOf(m.speakerId);
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function tagLinks(tags: readonly string[]): SafeHtml {
  if (tags.length === 0) return html``;
  return html`<ul class="tags" aria-label="Tags">
    ${tags.map((t) => html`<li><a href="/tag/${encodeURIComponent(t)}">${t}</a></li>`)}
  </ul>`;
}

/** "3", or "99+" at the cap: what an unread badge says. */
export const unreadText = (n: number): string => (n >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(n));
export const unreadLabel = (n: number): string => `${unreadText(n)} unread`;

function unreadBadge(n: number): SafeHtml {
  return html`<span class="unread" aria-label="${unreadLabel(n)}" ${n === 0 ? html` hidden` : ''}
    >${unreadText(n)}</span
  >`;
}

function roomCard(room: Room, detail?: string, unread?: number): SafeHtml {
  return html`<li class="room-card" data-room="${room.id}">
    <a class="room-name" href="/room/${room.id}">${room.name}</a>
    ${unread === undefined ? '' : unreadBadge(unread)}
    ${detail ? html`<span class="detail">${detail}</span>` : ''}
    ${room.blurb ? html`<p class="blurb">${room.blurb}</p>` : ''} ${tagLinks(room.tags)}
  </li>`;
}

export function roomList(
  rooms: readonly Room[],
  empty: string,
  detail?: (r: Room) => string,
  unread?: (r: Room) => number,
): SafeHtml {
  if (rooms.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<ul class="room-list">
    ${rooms.map((r) => roomCard(r, detail?.(r), unread?.(r)))}
  </ul>`;
}

/** The speaker of a line: a bot's name comes with a badge, since anyone may name a bot like a person. */
export function speaker(m: Pick<Message, 'type' | 'nickname'>): SafeHtml {
  const nickname = html`<span class="nickname">${m.nickname}</span>`;
  return m.type === 'bot' ? html`<span class="speaker">${nickname} ${botBadge()}</span>` : nickname;
}

export const botBadge = (): SafeHtml =>
  html`<span class="bot-badge" title="A program, not a person">bot</span>`;

/** One line of conversation; its time links to its permalink (`page#message-ID`), named with the full date. */
export function messageItem(
  m: Message,
  timeZone: string,
  permalink?: string,
  viewer?: string,
  starred = false,
): SafeHtml {
  const clock = clockTime(m.createdAt, timeZone);
  const full = `${fullDate(m.createdAt, timeZone)}, ${clock} (${timeZone})`;
  return html`<li
    class="message${m.type === 'user' && m.speakerId === viewer ? ' own' : ''}${m.type === 'bot' ? ' bot' : ''}"
    id="message-${m.id}"
    data-speaker="${m.speakerId}"
    ${m.type === 'bot' ? html`data-type="bot"` : ''}
    ${starred ? html`data-starred="yes"` : ''}
  >
    <img class="icon" src="${speakerIcon(m)}" alt="" width="28" height="28" />
    ${speaker(m)}
    <a class="permalink" href="${permalink ?? ''}#message-${m.id}" aria-label="${`Permalink: ${full}`}"
      ><time datetime="${new Date(m.createdAt).toISOString()}" title="${full}">${clock}</time></a
    >
    <p class="text">${linkify(m.text)}</p>
  </li>`;
}

/** A divider before the first line of each local day, so a jump from 3:31am to 10:31pm reads as a new day. */
export function dayDivider(ms: number, timeZone: string): SafeHtml {
  return html`<li class="day-divider" role="separator">
    <time datetime="${localDate(ms, timeZone)}">${fullDate(ms, timeZone)}</time>
  </li>`;
}

/** Lines with a divider wherever the local day changes (and before the first). */
export function withDayDividers(
  messages: readonly Message[],
  timeZone: string,
  item: (m: Message) => SafeHtml,
): SafeHtml[] {
  const out: SafeHtml[] = [];
  let day = '';
  for (const m of messages) {
    const date = localDate(m.createdAt, timeZone);
    if (date !== day) out.push(dayDivider(m.createdAt, timeZone));
    day = date;
    out.push(item(m));
  }
  return out;
}
