import type { Room } from '../core/model.js';
import type { Queries } from '../engine/queries.js';
import { messageItem } from './fragments.js';
import { html, type SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';
import { assetUrl } from './static-assets.js';
import { isCalendarDate, localDate, localMidnight, nextDate } from './time-format.js';

/** Every timezone offset is a multiple of 15 minutes, so 15-minute slices never straddle a local midnight. */
const SLICE = 15 * 60 * 1000;
/** Lines on one page of a day: a busy day is several pages, every line on one of them. */
export const DAY_PAGE = 1000;
const SEARCH_LIMIT = 100;
/** Around the current page, the pager lists this many page numbers each side (and the first and last). */
const PAGER_REACH = 2;

/** A day of a room's archives; page 1 has no `?page`, so the URLs the API contract gives stay as they are. */
export const dayPath = (roomId: string, date: string, pageNumber = 1): string =>
  `/room/${roomId}/archives/${date.replace(/-/g, '/')}${pageNumber > 1 ? `?page=${pageNumber}` : ''}`;

/** Where a line is, whatever its day and page: the server redirects it (see `ArchivePages.locate`). */
export const linePath = (roomId: string, messageId: number): string => `/room/${roomId}/message/${messageId}`;

/** `?page=` of a day: absent is page 1; anything but a whole number from 1 is no page at all. */
export function pageNumber(value: string | undefined): number | undefined {
  if (value === undefined) return 1;
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/** Page numbers to list: the first, the last, and those near the current one; `undefined` marks a gap. */
function pagesToList(current: number, last: number): Array<number | undefined> {
  const list: Array<number | undefined> = [];
  for (let p = 1; p <= last; p++) {
    const near = Math.abs(p - current) <= PAGER_REACH;
    if (p === 1 || p === last || near) list.push(p);
    else if (list.at(-1) !== undefined) list.push(undefined);
  }
  return list;
}

/** Dated public archives of a room, in the room's timezone. */
export class ArchivePages {
  constructor(private readonly queries: Queries) {}

  /** Local dates that have lines, newest first, with their line counts. */
  private async days(room: Room): Promise<Array<{ date: string; lines: number }>> {
    const counts = new Map<string, number>();
    for (const slice of await this.queries.activity(room.id, SLICE)) {
      const date = localDate(slice.start, room.timezone);
      counts.set(date, (counts.get(date) ?? 0) + slice.lines);
    }
    return [...counts].map(([date, lines]) => ({ date, lines })).sort((a, b) => b.date.localeCompare(a.date));
  }

  async index(tr: Translator, room: Room, query: string | undefined, viewer?: Viewer): Promise<Page> {
    const search = query ? await this.queries.searchLines(room.id, query, SEARCH_LIMIT) : undefined;
    const days = search ? [] : await this.days(room);
    const title = tr.t('archives.heading', { room: room.name });
    const now = Date.now();
    return {
      status: 200,
      body: page({
        tr,
        title: `${title} — Lingr`,
        viewer,
        body: html`<main class="archives">
          <p class="crumbs"><a href="/room/${room.id}">← ${room.name}</a></p>
          <h1>${title}</h1>
          <form class="archive-search" role="search" action="/room/${room.id}/archives" method="get">
            <label for="archive-q">${tr.t('archives.searchLabel')}</label>
            <input id="archive-q" type="search" name="q" value="${query ?? ''}" maxlength="100" />
            <button type="submit">${tr.t('search.button')}</button>
          </form>
          ${
            search
              ? html`<h2>${tr.t('archives.matching', { count: search.total, query: query ?? '' })}</h2>
                  ${
                    search.total > search.lines.length
                      ? html`<p class="shown">
                          ${tr.t('archives.newestShown', { count: search.lines.length })}
                        </p>`
                      : ''
                  }
                  ${
                    search.lines.length === 0
                      ? html`<p class="empty">${tr.t('archives.noMatch')}</p>`
                      : html`<ol class="messages results">
                          ${search.lines.map((m) => messageItem(tr, m, room.timezone, linePath(room.id, m.id)))}
                        </ol>`
                  }`
              : days.length === 0
                ? html`<p class="empty">${tr.t('archives.empty')}</p>`
                : html`<ul class="days" aria-label="${tr.t('archives.days')}">
                    ${days.map((d) => {
                      const noon = localMidnight(d.date, room.timezone) + 12 * 3_600_000;
                      const date = tr.fullDate(noon, room.timezone);
                      const label = tr.day(noon, room.timezone, now);
                      // The date as the URL has it, then in words: "Today", "Yesterday" or the weekday and date.
                      return html`<li>
                        <a href="${dayPath(room.id, d.date)}">${d.date}</a>
                        <span class="count">${tr.t('archives.lines', { count: d.lines })}</span>
                        <span class="when" title="${date}">${label}</span>
                      </li>`;
                    })}
                  </ul>`
          }
        </main>`,
      }),
    };
  }

  /** One page of a day; undefined when `date` is no date. */
  async day(
    tr: Translator,
    room: Room,
    date: string,
    pageNo: number,
    viewer?: Viewer,
  ): Promise<Page | undefined> {
    if (!isCalendarDate(date)) return undefined;
    const from = localMidnight(date, room.timezone);
    const to = localMidnight(nextDate(date), room.timezone);
    if (!Number.isFinite(from) || localDate(from, room.timezone) !== date) return undefined;
    const total = await this.queries.countBetween(room.id, from, to);
    const last = Math.max(1, Math.ceil(total / DAY_PAGE));
    if (pageNo > last) return this.pastLastPage(tr, room, date, last, viewer);
    const first = (pageNo - 1) * DAY_PAGE;
    const shown = await this.queries.between(room.id, from, to, DAY_PAGE, first);
    const days = (await this.days(room)).map((d) => d.date);
    const newer = days.filter((d) => d > date).at(-1);
    const older = days.find((d) => d < date);
    const path = dayPath(room.id, date, pageNo);
    const pager = last > 1 ? this.pager(tr, room.id, date, pageNo, last) : '';
    const title =
      last > 1
        ? tr.t('archives.dayPageTitle', { room: room.name, date, page: pageNo, pages: last })
        : tr.t('archives.dayTitle', { room: room.name, date });
    return {
      status: 200,
      body: page({
        tr,
        title: `${title} — Lingr`,
        viewer,
        meta: { room: room.id },
        script: assetUrl('archive.js'),
        body: html`<main class="archives">
          <p class="crumbs">
            <a href="/room/${room.id}">← ${room.name}</a> ·
            <a href="/room/${room.id}/archives">${tr.t('room.archives')}</a>
          </p>
          <h1>
            ${tr.t('archives.dayHeading', { room: room.name, date: tr.fullDate(from + 12 * 3_600_000, room.timezone) })}
          </h1>
          <p class="timezone">${tr.t('room.timezone', { zone: room.timezone })}</p>
          <nav class="day-nav" aria-label="${tr.t('archives.otherDays')}">
            ${older ? html`<a rel="prev" href="${dayPath(room.id, older)}">← ${older}</a>` : ''}
            ${newer ? html`<a rel="next" href="${dayPath(room.id, newer)}">${newer} →</a>` : ''}
          </nav>
          ${
            total === 0
              ? ''
              : html`<p class="range">
                  ${
                    last > 1
                      ? tr.t('archives.range', {
                          from: first + 1,
                          to: first + shown.length,
                          count: total,
                        })
                      : tr.t('archives.lines', { count: total })
                  }
                </p>`
          }
          ${pager}
          <section class="conversation" aria-label="${tr.t('archives.conversation')}">
            ${
              shown.length === 0
                ? html`<p class="empty">${tr.t('archives.quietDay')}</p>`
                : html`<ol class="messages">
                    ${shown.map((m) => messageItem(tr, m, room.timezone, path))}
                  </ol>`
            }
          </section>
          ${pager}
        </main>`,
      }),
    };
  }

  /** Previous and next page, and the page numbers, the current one marked. */
  private pager(tr: Translator, roomId: string, date: string, current: number, last: number): SafeHtml {
    const range = (p: number) => tr.t('archives.onwards', { from: (p - 1) * DAY_PAGE + 1 });
    return html`<nav class="pager" aria-label="${tr.t('archives.pages')}">
      ${
        current > 1
          ? html`<a
              class="previous"
              href="${dayPath(roomId, date, current - 1)}"
              title="${range(current - 1)}"
              >${tr.t('archives.previous')}</a
            >`
          : html`<span class="previous" aria-hidden="true">${tr.t('archives.previous')}</span>`
      }
      <ol>
        ${pagesToList(current, last).map((p) =>
          p === undefined
            ? html`<li class="gap" aria-hidden="true">…</li>`
            : p === current
              ? html`<li><a aria-current="page" href="${dayPath(roomId, date, p)}">${p}</a></li>`
              : html`<li>
                  <a href="${dayPath(roomId, date, p)}" aria-label="${tr.t('archives.page', { page: p })}"
                    >${p}</a
                  >
                </li>`,
        )}
      </ol>
      ${
        current < last
          ? html`<a class="next" href="${dayPath(roomId, date, current + 1)}" title="${range(current + 1)}"
              >${tr.t('archives.next')}</a
            >`
          : html`<span class="next" aria-hidden="true">${tr.t('archives.next')}</span>`
      }
    </nav>`;
  }

  private pastLastPage(tr: Translator, room: Room, date: string, last: number, viewer?: Viewer): Page {
    return {
      status: 404,
      body: page({
        tr,
        title: `${tr.t('problem.404')} — Lingr`,
        viewer,
        body: html`<main class="notice">
          <h1>${tr.t('problem.404')}</h1>
          <p>${tr.t('archives.pagesOfDay', { room: room.name, count: last, date })}</p>
          <p><a href="${dayPath(room.id, date, last)}">${tr.t('archives.lastPage')}</a></p>
        </main>`,
      }),
    };
  }

  /**
   * Where a line of this room is: its local day, and the page of that day, with its `#message-ID`.
   * Undefined when the room has no such line (never was, deleted, or another room's).
   */
  async locate(room: Room, messageId: number): Promise<string | undefined> {
    const line = await this.queries.line(messageId);
    if (!line || line.roomId !== room.id) return undefined;
    const date = localDate(line.createdAt, room.timezone);
    const from = localMidnight(date, room.timezone);
    const to = localMidnight(nextDate(date), room.timezone);
    const before = await this.queries.countBetween(room.id, from, to, line.id);
    return `${dayPath(room.id, date, Math.floor(before / DAY_PAGE) + 1)}#message-${line.id}`;
  }
}
