import type { Message, Room } from '../core/model.js';
import type { Queries } from '../engine/queries.js';
import { dayPath } from './archives.js';
import { roomList, speaker, speakerIcon } from './fragments.js';
import { escapeHtml, html, SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page as layout } from './layout.js';
import { viewerOf, type Page, type Visitor } from './pages.js';
import { localDate } from './time-format.js';

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

function line(tr: Translator, message: Message, room: Room, terms: readonly string[]): SafeHtml {
  const date = localDate(message.createdAt, room.timezone);
  const permalink = `${dayPath(room.id, date)}#message-${message.id}`;
  return html`<li class="found-line">
    <p class="where">
      <a class="room-name" href="/room/${room.id}">${room.name}</a>
      ${room.isPublic ? '' : html`<span class="private">${tr.t('room.private')}</span>`}
      <a class="permalink" href="${permalink}" title="${tr.fullTime(message.createdAt, room.timezone)}"
        ><time datetime="${new Date(message.createdAt).toISOString()}"
          >${date} ${tr.clock(message.createdAt, room.timezone)}</time
        ></a
      >
    </p>
    <p class="said">
      <img class="icon" src="${speakerIcon(message)}" alt="" width="28" height="28" />
      ${speaker(tr, message)}
      <span class="text">${highlight(message.text, terms)}</span>
    </p>
  </li>`;
}

/** Where the lines were looked for, set apart so that narrow screens can leave it out. */
const scope = (tr: Translator, signedIn: boolean): SafeHtml =>
  html`<span class="scope">${tr.t(signedIn ? 'search.inYourRooms' : 'search.inPublicRooms')}</span>`;

function pager(tr: Translator, query: string, page: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const last = Math.min(pages, MAX_PAGE);
  return html`<nav class="pager" aria-label="${tr.t('search.pages')}">
    ${
      page > 1
        ? html`<a rel="prev" href="${searchPath(query, page - 1)}">${tr.t('search.newer')}</a>`
        : html`<span></span>`
    }
    <span class="where-am-i">${tr.t('search.pageOf', { page, pages })}</span>
    ${
      page < last
        ? html`<a rel="next" href="${searchPath(query, page + 1)}">${tr.t('search.older')}</a>`
        : html`<span></span>`
    }
  </nav>`;
}

/**
 * One search for everything: the public rooms whose name, description or tags match, and the lines said
 * in every public room and the viewer's own private rooms, newest first, a page at a time.
 */
export async function searchPage(
  tr: Translator,
  queries: Queries,
  query: string | undefined,
  rawPage: string | undefined,
  visitor?: Visitor,
): Promise<Page> {
  const viewer = viewerOf(visitor);
  const form = html`<form class="big-search" role="search" action="/search" method="get">
    <label for="search-q">${tr.t('search.bigLabel')}</label>
    <input id="search-q" type="search" name="q" value="${query ?? ''}" maxlength="100" />
    <button type="submit">${tr.t('search.button')}</button>
  </form>`;
  if (query === undefined)
    return {
      status: 200,
      body: layout({
        tr,
        title: `${tr.t('search.button')} — Lingr`,
        viewer,
        body: html`<main class="search-page">
          <h1>${tr.t('search.button')}</h1>
          ${form}
          <p class="empty">${tr.t(viewer ? 'search.hintSignedIn' : 'search.hint')}</p>
        </main>`,
      }),
    };
  const page = pageNumber(rawPage);
  const [rooms, found] = await Promise.all([
    queries.search(query),
    queries.searchEverywhere(query, visitor?.session.userId, page, LINES_PER_PAGE),
  ]);
  return {
    status: 200,
    body: layout({
      tr,
      title: `${tr.t('quoted', { text: query })} — ${tr.t('search.button')} — Lingr`,
      query,
      viewer,
      body: html`<main class="search-page">
        <h1>${tr.t('search.heading', { query })}</h1>
        ${form}
        <section aria-labelledby="found-rooms">
          <h2 id="found-rooms">${tr.t('search.rooms', { count: rooms.length })}</h2>
          ${roomList(tr, rooms.slice(0, ROOMS_SHOWN), tr.t('search.noRooms'))}
          ${
            rooms.length > ROOMS_SHOWN
              ? html`<p class="more">
                  <a href="/?q=${encodeURIComponent(query)}"
                    >${tr.t('search.allRooms', { count: rooms.length })}</a
                  >
                </p>`
              : ''
          }
        </section>
        <section aria-labelledby="found-lines">
          <h2 id="found-lines">
            ${tr.h('search.linesIn', { count: found.total, scope: scope(tr, !!viewer) })}
          </h2>
          ${
            found.lines.length === 0
              ? html`<p class="empty">
                  ${
                    found.total > 0
                      ? tr.h('search.noMore', {
                          link: html`<a href="${searchPath(query)}">${tr.t('search.backToNewest')}</a>`,
                        })
                      : tr.t('search.noLines')
                  }
                </p>`
              : html`<ol class="found-lines" aria-label="${tr.t('search.linesFound')}">
                  ${found.lines.map(({ message, room }) => line(tr, message, room, found.terms))}
                </ol>`
          }
          ${pager(tr, query, page, found.pages)}
        </section>
      </main>`,
    }),
  };
}
