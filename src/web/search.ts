import type { Message, Room } from '../core/model.js';
import type { Queries } from '../engine/queries.js';
import { dayPath } from './archives.js';
import { plural, roomList, speaker, speakerIcon } from './fragments.js';
import { escapeHtml, html, SafeHtml } from './html.js';
import { page as layout } from './layout.js';
import { viewerOf, type Page, type Visitor } from './pages.js';
import { clockTime, localDate } from './time-format.js';

export const LINES_PER_PAGE = 20;
/** Rooms shown above the lines; the rest are one link away (the room search at `/?q=`). */
const ROOMS_SHOWN = 6;
/** Pages past this are not offered (deep offsets cost the database more than anyone reads). */
const MAX_PAGE = 500;
/** Long lines are shown as a window around their first match. */
const SNIPPET = 280;
const LEAD = 80;

const regExpSource = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);

/**
 * The text with every occurrence of the terms in <mark>, everything escaped; a long text is cut to a
 * window around its first match.
 */
export function highlight(text: string, terms: readonly string[]): SafeHtml {
  const longestFirst = [...terms].sort((a, b) => b.length - a.length);
  const pattern =
    longestFirst.length > 0 ? new RegExp(longestFirst.map(regExpSource).join('|'), 'giu') : undefined;
  let shown = text;
  const chars = Array.from(text);
  if (chars.length > SNIPPET) {
    const first = pattern ? text.search(pattern) : -1;
    const at = first < 0 ? 0 : Array.from(text.slice(0, first)).length;
    const start = Math.max(0, Math.min(at - LEAD, chars.length - SNIPPET));
    shown =
      (start > 0 ? '…' : '') +
      chars.slice(start, start + SNIPPET).join('') +
      (start + SNIPPET < chars.length ? '…' : '');
  }
  if (!pattern) return new SafeHtml(escapeHtml(shown));
  let out = '';
  let last = 0;
  for (const match of shown.matchAll(pattern)) {
    const index = match.index ?? 0;
    out += `${escapeHtml(shown.slice(last, index))}<mark>${escapeHtml(match[0])}</mark>`;
    last = index + match[0].length;
  }
  return new SafeHtml(out + escapeHtml(shown.slice(last)));
}

/** The page number asked for: a whole number from 1, anything else is the first page. */
export function pageNumber(raw: string | undefined): number {
  const n = raw && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.min(Math.max(n, 1), MAX_PAGE);
}

const searchPath = (query: string, page = 1) =>
  `/search?q=${encodeURIComponent(query)}${page > 1 ? `&page=${page}` : ''}`;

function line(message: Message, room: Room, terms: readonly string[]): SafeHtml {
  const date = localDate(message.createdAt, room.timezone);
  const permalink = `${dayPath(room.id, date)}#message-${message.id}`;
  return html`<li class="found-line">
    <p class="where">
      <a class="room-name" href="/room/${room.id}">${room.name}</a>
      ${room.isPublic ? '' : html`<span class="private">private</span>`}
      <a class="permalink" href="${permalink}" title="Times are in ${room.timezone}"
        ><time datetime="${new Date(message.createdAt).toISOString()}"
          >${date} ${clockTime(message.createdAt, room.timezone)}</time
        ></a
      >
    </p>
    <p class="said">
      <img class="icon" src="${speakerIcon(message)}" alt="" width="28" height="28" />
      ${speaker(message)}
      <span class="text">${highlight(message.text, terms)}</span>
    </p>
  </li>`;
}

function pager(query: string, page: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const last = Math.min(pages, MAX_PAGE);
  return html`<nav class="pager" aria-label="Pages of results">
    ${page > 1 ? html`<a rel="prev" href="${searchPath(query, page - 1)}">← Newer</a>` : html`<span></span>`}
    <span class="where-am-i">Page ${page} of ${pages}</span>
    ${page < last ? html`<a rel="next" href="${searchPath(query, page + 1)}">Older →</a>` : html`<span></span>`}
  </nav>`;
}

/**
 * One search for everything: the public rooms whose name, description or tags match, and the lines said
 * in every public room and the viewer's own private rooms, newest first, a page at a time.
 */
export async function searchPage(
  queries: Queries,
  query: string | undefined,
  rawPage: string | undefined,
  visitor?: Visitor,
): Promise<Page> {
  const viewer = viewerOf(visitor);
  const form = html`<form class="big-search" role="search" action="/search" method="get">
    <label for="search-q">Search rooms and what was said in them</label>
    <input id="search-q" type="search" name="q" value="${query ?? ''}" maxlength="100" />
    <button type="submit">Search</button>
  </form>`;
  if (query === undefined)
    return {
      status: 200,
      body: layout({
        title: 'Search — Lingr',
        viewer,
        body: html`<main class="search-page">
          <h1>Search</h1>
          ${form}
          <p class="empty">
            Type a word or two: every public room${viewer ? ' and your own private rooms' : ''} will be
            searched, in any language.
          </p>
        </main>`,
      }),
    };
  const page = pageNumber(rawPage);
  const [rooms, found] = await Promise.all([
    queries.search(query),
    queries.searchEverywhere(query, visitor?.session.userId, page, LINES_PER_PAGE),
  ]);
  const where = viewer ? 'public rooms and your rooms' : 'public rooms';
  return {
    status: 200,
    body: layout({
      title: `“${query}” — Search — Lingr`,
      query,
      viewer,
      body: html`<main class="search-page">
        <h1>Search “${query}”</h1>
        ${form}
        <section aria-labelledby="found-rooms">
          <h2 id="found-rooms">${plural(rooms.length, 'room')}</h2>
          ${roomList(rooms.slice(0, ROOMS_SHOWN), 'No public room has this in its name, description or tags.')}
          ${
            rooms.length > ROOMS_SHOWN
              ? html`<p class="more">
                  <a href="/?q=${encodeURIComponent(query)}">All ${rooms.length} rooms →</a>
                </p>`
              : ''
          }
        </section>
        <section aria-labelledby="found-lines">
          <h2 id="found-lines">${plural(found.total, 'line')}<span class="scope"> in ${where}</span></h2>
          ${
            found.lines.length === 0
              ? html`<p class="empty">
                  ${
                    found.total > 0
                      ? html`There are no more lines. <a href="${searchPath(query)}">Back to the newest.</a>`
                      : 'Nothing said matches every word; try fewer or shorter words.'
                  }
                </p>`
              : html`<ol class="found-lines" aria-label="Lines found">
                  ${found.lines.map(({ message, room }) => line(message, room, found.terms))}
                </ol>`
          }
          ${pager(query, page, found.pages)}
        </section>
      </main>`,
    }),
  };
}
