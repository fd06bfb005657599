import type { Message, Room } from '../core/model.js';
import { UNREAD_CAP } from '../engine/queries.js';
import { html, linkify, type SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { localDate } from './time-format.js';

export const iconOf = (username: string) => `/images/user/${encodeURIComponent(username)}/42x42.gif`;
export const botIconOf = (botId: string, size = '42x42') =>
  `/images/bot/${encodeURIComponent(botId)}/${size}.gif`;
export const botPath = (botId: string) => `/bot/${encodeURIComponent(botId)}`;
/** A line's icon: bots and people live in separate namespaces, so a bot's id may also be someone's name. */
export const speakerIcon = (m: Pick<Message, 'type' | 'speakerId'>) =>
  m.type === 'bot' ? botIconOf(m.speakerId) : iconOf(m.speakerId);

/** Words for screen readers only, such as whom a "Remove" button removes. */
export const visuallyHidden = (text: string): SafeHtml => html`<span class="visually-hidden">${text}</span>`;

export function tagLinks(tr: Translator, tags: readonly string[]): SafeHtml {
  if (tags.length === 0) return html``;
  return html`<ul class="tags" aria-label="${tr.t('tags.label')}">
    ${tags.map((t) => html`<li><a href="/tag/${encodeURIComponent(t)}">${t}</a></li>`)}
  </ul>`;
}

/** "3", or "99+" at the cap: what an unread badge says. */
export const unreadText = (n: number): string => (n >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(n));
export const unreadLabel = (tr: Translator, n: number): string => tr.t('live.unread', { n: unreadText(n) });

function unreadBadge(tr: Translator, n: number): SafeHtml {
  return html`<span class="unread" aria-label="${unreadLabel(tr, n)}" ${n === 0 ? html` hidden` : ''}
    >${unreadText(n)}</span
  >`;
}

function roomCard(tr: Translator, room: Room, detail?: string, unread?: number): SafeHtml {
  return html`<li class="room-card" data-room="${room.id}">
    <a class="room-name" href="/room/${room.id}">${room.name}</a>
    ${unread === undefined ? '' : unreadBadge(tr, unread)}
    ${detail ? html`<span class="detail">${detail}</span>` : ''}
    ${room.blurb ? html`<p class="blurb">${room.blurb}</p>` : ''} ${tagLinks(tr, room.tags)}
  </li>`;
}

export function roomList(
  tr: Translator,
  rooms: readonly Room[],
  empty: string,
  detail?: (r: Room) => string,
  unread?: (r: Room) => number,
): SafeHtml {
  if (rooms.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<ul class="room-list">
    ${rooms.map((r) => roomCard(tr, r, detail?.(r), unread?.(r)))}
  </ul>`;
}

/**
 * The speaker of a line: a bot's name comes with a badge, since anyone may name a bot like a person; so
 * does the name of an account that was deleted, whose lines stay under the name it had.
 */
export function speaker(tr: Translator, m: Pick<Message, 'type' | 'nickname' | 'speakerDeleted'>): SafeHtml {
  const nickname = html`<span class="nickname">${m.nickname}</span>`;
  if (m.type === 'bot') return html`<span class="speaker">${nickname} ${botBadge(tr)}</span>`;
  if (m.speakerDeleted === true)
    return html`<span class="speaker"
      >${nickname}
      <span class="deleted-badge" title="${tr.t('line.deletedUserTitle')}"
        >${tr.t('line.deletedUser')}</span
      ></span
    >`;
  return nickname;
}

export const botBadge = (tr: Translator): SafeHtml =>
  html`<span class="bot-badge" title="${tr.t('live.botTitle')}">${tr.t('live.bot')}</span>`;

/** One line of conversation; its time links to its permalink (`page#message-ID`), named with the full date. */
export function messageItem(
  tr: Translator,
  m: Message,
  timeZone: string,
  permalink?: string,
  viewer?: string,
  starred = false,
): SafeHtml {
  const clock = tr.clock(m.createdAt, timeZone);
  const full = tr.fullTime(m.createdAt, timeZone);
  return html`<li
    class="message${m.type === 'user' && m.speakerId === viewer ? ' own' : ''}${m.type === 'bot' ? ' bot' : ''}"
    id="message-${m.id}"
    data-speaker="${m.speakerId}"
    ${m.type === 'bot' ? html`data-type="bot"` : ''}
    ${m.speakerDeleted === true ? html`data-deleted="yes"` : ''}
    ${starred ? html`data-starred="yes"` : ''}
  >
    <img class="icon" src="${speakerIcon(m)}" alt="" width="28" height="28" />
    ${speaker(tr, m)}
    <a
      class="permalink"
      href="${permalink ?? ''}#message-${m.id}"
      aria-label="${tr.t('live.permalink', { time: full })}"
      ><time datetime="${new Date(m.createdAt).toISOString()}" title="${full}">${clock}</time></a
    >
    <p class="text">${linkify(m.text)}</p>
  </li>`;
}

/**
 * A divider before the first line of each local day, so a jump from 3:31am to 10:31pm reads as a new day:
 * "Today", "Yesterday", or the date, which its title always gives.
 */
export function dayDivider(tr: Translator, ms: number, timeZone: string): SafeHtml {
  return html`<li class="day-divider" role="separator">
    <time datetime="${localDate(ms, timeZone)}" title="${tr.fullDate(ms, timeZone)}"
      >${tr.day(ms, timeZone)}</time
    >
  </li>`;
}

/** Lines with a divider wherever the local day changes (and before the first). */
export function withDayDividers(
  tr: Translator,
  messages: readonly Message[],
  timeZone: string,
  item: (m: Message) => SafeHtml,
): SafeHtml[] {
  const out: SafeHtml[] = [];
  let day = '';
  for (const m of messages) {
    const date = localDate(m.createdAt, timeZone);
    if (date !== day) out.push(dayDivider(tr, m.createdAt, timeZone));
    day = date;
    out.push(item(m));
  }
  return out;
}
