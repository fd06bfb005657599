import type { Room } from '../core/model.js';
import type { Queries } from '../engine/queries.js';
import { messageItem, plural } from './fragments.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';
import { isCalendarDate, localDate, localMidnight, nextDate } from './time-format.js';

/** Every timezone offset is a multiple of 15 minutes, so 15-minute slices never straddle a local midnight. */
const SLICE = 15 * 60 * 1000;
const DAY_LIMIT = 5000;
const SEARCH_LIMIT = 100;

export const dayPath = (roomId: string, date: string): string =>
  `/room/${roomId}/archives/${date.replace(/-/g, '/')}`;

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

  async index(room: Room, query: string | undefined, viewer?: Viewer): Promise<Page> {
    const search = query ? await this.queries.searchLines(room.id, query, SEARCH_LIMIT) : undefined;
    const days = search ? [] : await this.days(room);
    const title = `Archives of ${room.name}`;
    return {
      status: 200,
      body: page({
        title: `${title} — Lingr`,
        viewer,
        body: html`<main class="archives">
          <p class="crumbs"><a href="/room/${room.id}">← ${room.name}</a></p>
          <h1>${title}</h1>
          <form class="archive-search" role="search" action="/room/${room.id}/archives" method="get">
            <label for="archive-q">Search these archives</label>
            <input id="archive-q" type="search" name="q" value="${query ?? ''}" maxlength="100" />
            <button type="submit">Search</button>
          </form>
          ${
            search
              ? html`<h2>${plural(search.length, 'line')} matching “${query}”</h2>
                  ${
                    search.length === 0
                      ? html`<p class="empty">Nothing said here matches.</p>`
                      : html`<ol class="messages results">
                          ${search.map((m) =>
                            messageItem(
                              m,
                              room.timezone,
                              dayPath(room.id, localDate(m.createdAt, room.timezone)),
                            ),
                          )}
                        </ol>`
                  }`
              : days.length === 0
                ? html`<p class="empty">Nobody has said anything here yet.</p>`
                : html`<ul class="days" aria-label="Days with lines">
                    ${days.map(
                      (d) =>
                        html`<li>
                          <a href="${dayPath(room.id, d.date)}">${d.date}</a>
                          <span class="count">${plural(d.lines, 'line')}</span>
                        </li>`,
                    )}
                  </ul>`
          }
        </main>`,
      }),
    };
  }

  async day(room: Room, date: string, viewer?: Viewer): Promise<Page | undefined> {
    if (!isCalendarDate(date)) return undefined;
    const from = localMidnight(date, room.timezone);
    const to = localMidnight(nextDate(date), room.timezone);
    if (!Number.isFinite(from) || localDate(from, room.timezone) !== date) return undefined;
    const lines = await this.queries.between(room.id, from, to, DAY_LIMIT);
    const days = (await this.days(room)).map((d) => d.date);
    const newer = days.filter((d) => d > date).at(-1);
    const older = days.find((d) => d < date);
    const path = dayPath(room.id, date);
    return {
      status: 200,
      body: page({
        title: `${room.name}, ${date} — Lingr`,
        viewer,
        body: html`<main class="archives">
          <p class="crumbs">
            <a href="/room/${room.id}">← ${room.name}</a> · <a href="/room/${room.id}/archives">Archives</a>
          </p>
          <h1>${room.name} on ${date}</h1>
          <p class="timezone">Times are in ${room.timezone}</p>
          <nav class="day-nav" aria-label="Other days">
            ${older ? html`<a rel="prev" href="${dayPath(room.id, older)}">← ${older}</a>` : ''}
            ${newer ? html`<a rel="next" href="${dayPath(room.id, newer)}">${newer} →</a>` : ''}
          </nav>
          <section class="conversation" aria-label="Conversation">
            ${
              lines.length === 0
                ? html`<p class="empty">Nothing was said on this day.</p>`
                : html`<ol class="messages">
                    ${lines.map((m) => messageItem(m, room.timezone, path))}
                  </ol>`
            }
          </section>
        </main>`,
      }),
    };
  }
}
