import type { Queries } from '../engine/queries.js';
import { escapeHtml, html } from './html.js';
import type { Translator } from './i18n/translator.js';
import type { Page } from './pages.js';
import { assetUrl } from './static-assets.js';

/**
 * A blog's view of a public room: name, latest lines, chatters; every link opens the room itself. Its
 * language is the `lang` of its address if given, else its reader's; its script follows the page's.
 */
export async function badgePage(
  tr: Translator,
  queries: Queries,
  publicUrl: string,
  roomId: string,
): Promise<Page | undefined> {
  const view = await queries.badge(roomId);
  if (!view) return undefined;
  const { room, counter, messages, online } = view;
  const roomUrl = `${publicUrl}/room/${room.id}`;
  return {
    status: 200,
    body: html`<!doctype html>
      <html lang="${tr.lang}">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${tr.t('badge.title', { room: room.name })}</title>
          <link rel="stylesheet" href="${assetUrl('lingr.css')}" />
          <meta name="lingr-room" content="${room.id}" />
          <meta name="lingr-counter" content="${String(counter)}" />
          <meta name="lingr-timezone" content="${room.timezone}" />
          <meta name="lingr-messages" content="${JSON.stringify(tr.messages('badge.'))}" />
          <script type="module" src="${assetUrl('badge.js')}"></script>
        </head>
        <body class="badge">
          <header>
            <a class="badge-room" href="${roomUrl}" target="_top">${room.name}</a>
            <span class="badge-chatters" data-usernames="${online.map((m) => m.username).join(' ')}"
              >${tr.t('badge.chatters', { count: online.length })}</span
            >
          </header>
          <ol class="badge-lines">
            ${messages.map(
              (m) =>
                html`<li id="message-${m.id}">
                  <span class="nickname">${m.nickname}</span> <span class="text">${m.text}</span>
                  <time datetime="${new Date(m.createdAt).toISOString()}"
                    >${tr.clock(m.createdAt, room.timezone)}</time
                  >
                </li>`,
            )}
          </ol>
          <a class="badge-join" href="${roomUrl}" target="_top">${tr.t('badge.join')}</a>
        </body>
      </html>`.value,
  };
}

/** What a blog pastes: an iframe of the badge, on one line, at our public URL (never a request's Host). */
export function badgeSnippet(tr: Translator, publicUrl: string, roomId: string, roomName: string): string {
  const src = escapeHtml(`${publicUrl}/room/${roomId}/badge`);
  const title = escapeHtml(tr.t('badge.title', { room: roomName }));
  return `<iframe src="${src}" title="${title}" width="300" height="340" style="border:0" loading="lazy"></iframe>`;
}
