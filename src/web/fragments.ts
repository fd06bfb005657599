import type { Message, Room } from '../core/model.js';
import { html, linkify, type SafeHtml } from './html.js';
import { clockTime } from './time-format.js';

export const iconOf = (username: string) => `/images/user/${encodeURIComponent(username)}/42x42.gif`;
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function tagLinks(tags: readonly string[]): SafeHtml {
  if (tags.length === 0) return html``;
  return html`<ul class="tags" aria-label="Tags">
    ${tags.map((t) => html`<li><a href="/tag/${encodeURIComponent(t)}">${t}</a></li>`)}
  </ul>`;
}

function roomCard(room: Room, detail?: string): SafeHtml {
  return html`<li class="room-card">
    <a class="room-name" href="/room/${room.id}">${room.name}</a>
    ${detail ? html`<span class="detail">${detail}</span>` : ''}
    ${room.blurb ? html`<p class="blurb">${room.blurb}</p>` : ''} ${tagLinks(room.tags)}
  </li>`;
}

export function roomList(rooms: readonly Room[], empty: string, detail?: (r: Room) => string): SafeHtml {
  if (rooms.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<ul class="room-list">
    ${rooms.map((r) => roomCard(r, detail?.(r)))}
  </ul>`;
}

/** One line of conversation; its time links to its permalink (`page#message-ID`). */
export function messageItem(m: Message, timeZone: string, permalink?: string, viewer?: string): SafeHtml {
  return html`<li
    class="message${m.speakerId === viewer ? ' own' : ''}"
    id="message-${m.id}"
    data-speaker="${m.speakerId}"
  >
    <img class="icon" src="${iconOf(m.speakerId)}" alt="" width="28" height="28" />
    <span class="nickname">${m.nickname}</span>
    <a class="permalink" href="${permalink ?? ''}#message-${m.id}"
      ><time datetime="${new Date(m.createdAt).toISOString()}">${clockTime(m.createdAt, timeZone)}</time></a
    >
    <p class="text">${linkify(m.text)}</p>
  </li>`;
}
