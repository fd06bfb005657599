import type { Profile } from '../engine/queries.js';
import { statusBadge } from './bot-pages.js';
import { botIconOf, botPath, roomList } from './fragments.js';
import { html } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';

/** Someone's public page (spec 8: `/<username>`), where a bot's page links its owner. */
export function profilePage(tr: Translator, profile: Profile, viewer: Viewer | undefined): Page {
  const iso = new Date(profile.createdAt).toISOString();
  return {
    status: 200,
    body: page({
      tr,
      title: `${profile.name} — Lingr`,
      viewer,
      body: html`<main class="bot-page profile">
        <header class="bot-head">
          <img
            class="bot-icon"
            src="/images/user/${encodeURIComponent(profile.username)}/80x80.gif"
            alt=""
            width="80"
            height="80"
          />
          <div>
            <h1>${profile.name}</h1>
            <p class="facts"><span class="bot-id">${profile.username}</span></p>
            <p class="owner">
              ${tr.h('profile.since', {
                date: html`<time datetime="${iso}" title="${tr.ago(profile.createdAt)}"
                  >${tr.fullDate(profile.createdAt, 'UTC')}</time
                >`,
              })}
            </p>
          </div>
        </header>
        <div class="bot-layout">
          <div class="column">
            <section aria-labelledby="profile-rooms-heading">
              <h2 id="profile-rooms-heading">${tr.t('profile.rooms')}</h2>
              ${roomList(tr, profile.rooms, tr.t('profile.noRooms'))}
            </section>
            <section aria-labelledby="profile-bots-heading">
              <h2 id="profile-bots-heading">${tr.t('bots.list')}</h2>
              ${
                profile.bots.length === 0
                  ? html`<p class="empty">${tr.t('profile.noBots')}</p>`
                  : html`<ul class="bot-list" aria-label="${tr.t('bots.list')}">
                      ${profile.bots.map(
                        ({ bot, online }) =>
                          html`<li data-bot="${bot.id}">
                            <img class="icon" src="${botIconOf(bot.id)}" alt="" width="32" height="32" />
                            <span class="who">
                              <a class="name" href="${botPath(bot.id)}">${bot.name}</a>
                              <span class="bot-id">${bot.id}</span>
                            </span>
                            <span class="facts">${statusBadge(tr, online)}</span>
                          </li>`,
                      )}
                    </ul>`
              }
            </section>
          </div>
        </div>
      </main>`,
    }),
  };
}
