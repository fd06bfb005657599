import type { SignInOutcome, SignInRecord } from '../engine/sign-in-log.js';
import { html, type SafeHtml } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';

/** A user as the admin page lists them. */
export interface AdminUserRow {
  username: string;
  name: string;
  email: string | null;
  admin: boolean;
  createdAt: number;
  rooms: number;
}

/** A room as the admin page lists it. */
export interface AdminRoomRow {
  id: string;
  name: string;
  isPublic: boolean;
  owner: string | null;
  members: number;
  lines: number;
  createdAt: number;
}

/** The figures /healthz gives monitoring, as this process reads them. */
export interface AdminFigures {
  counter: number;
  sessions: number;
  heldObserves: number;
  streams: number;
  onlineUsers: number;
  pid: number;
  uptimeS: number;
  version: string;
  /** Resident memory of this process, in MB. */
  rssMb: number;
}

/** What the last action did, said once at the top of the page. */
export interface AdminFlash {
  error?: boolean;
  text: string;
  /** A password the server made up: shown this once, never stored in clear. */
  secret?: string;
}

export interface AdminView {
  users: readonly AdminUserRow[];
  /** How many users matched before the list was cut to the newest. */
  usersMatched: number;
  rooms: readonly AdminRoomRow[];
  roomsMatched: number;
  signIns: readonly SignInRecord[];
  figures: AdminFigures;
  filter: string;
  flash?: AdminFlash;
}

const OUTCOMES = {
  ok: 'admin.outcome.ok',
  wrongCredentials: 'admin.outcome.wrongCredentials',
  rateLimited: 'admin.outcome.rateLimited',
} as const satisfies Record<SignInOutcome, string>;

/** Times in UTC, as logs and the command line give them, so two administrators read the same. */
const when = (at: number): SafeHtml => {
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
};

const csrfField = (viewer: Viewer): SafeHtml =>
  html`<input type="hidden" name="csrf" value="${viewer.csrfToken}" />`;

function flashLine(flash: AdminFlash | undefined): SafeHtml | string {
  if (!flash) return '';
  if (flash.error) return html`<p class="form-error" role="alert">${flash.text}</p>`;
  return html`<p class="form-saved" role="status">
    ${flash.text} ${flash.secret ? html`<code class="secret" data-secret>${flash.secret}</code>` : ''}
  </p>`;
}

function userActions(tr: Translator, viewer: Viewer, u: AdminUserRow): SafeHtml {
  const action = (what: string) => `/admin/user/${encodeURIComponent(u.username)}/${what}`;
  return html`<details class="admin-actions">
    <summary>${tr.t('admin.manage')}</summary>
    <form method="post" action="${action('rename')}" class="inline" data-action="rename">
      ${csrfField(viewer)}
      <label>${tr.t('admin.newName')} <input name="name" required maxlength="50" value="${u.name}" /></label>
      <button type="submit">${tr.t('admin.rename')}</button>
    </form>
    <form method="post" action="${action('password')}" class="inline" data-action="password">
      ${csrfField(viewer)}
      <label
        >${tr.t('admin.newPassword')}
        <input name="password" type="text" autocomplete="new-password" maxlength="1024" minlength="8"
      /></label>
      <button type="submit">${tr.t('admin.resetPassword')}</button>
      <p class="hint">${tr.t('admin.passwordHint')}</p>
    </form>
    <form method="post" action="${action('delete')}" class="inline confirmed" data-action="delete">
      ${csrfField(viewer)}
      <label
        ><input type="checkbox" name="confirm" value="yes" required />
        ${tr.t('admin.confirmDeleteUser', { username: u.username })}</label
      >
      <button type="submit" class="danger">${tr.t('admin.deleteUser')}</button>
    </form>
  </details>`;
}

function usersSection(tr: Translator, viewer: Viewer, view: AdminView): SafeHtml {
  return html`<section class="card admin-users" aria-labelledby="admin-users-heading">
    <h2 id="admin-users-heading">${tr.t('admin.users', { count: view.usersMatched })}</h2>
    ${
      view.usersMatched > view.users.length
        ? html`<p class="hint">${tr.t('admin.newestOnly', { count: view.users.length })}</p>`
        : ''
    }
    ${
      view.users.length === 0
        ? html`<p class="empty">${tr.t('admin.noUsers')}</p>`
        : html`<table class="admin-table">
            <thead>
              <tr>
                <th scope="col">${tr.t('admin.username')}</th>
                <th scope="col">${tr.t('admin.name')}</th>
                <th scope="col">${tr.t('admin.email')}</th>
                <th scope="col">${tr.t('admin.roomsColumn')}</th>
                <th scope="col">${tr.t('admin.joined')}</th>
                <th scope="col">${tr.t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              ${view.users.map(
                (u) =>
                  html`<tr data-user="${u.username}">
                    <td>
                      <a href="/${u.username}">${u.username}</a>
                      ${u.admin ? html`<span class="tag">${tr.t('admin.isAdmin')}</span>` : ''}
                    </td>
                    <td>${u.name}</td>
                    <td>${u.email ?? '—'}</td>
                    <td class="number">${u.rooms}</td>
                    <td>${when(u.createdAt)}</td>
                    <td>${userActions(tr, viewer, u)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function roomsSection(tr: Translator, viewer: Viewer, view: AdminView): SafeHtml {
  return html`<section class="card admin-rooms" aria-labelledby="admin-rooms-heading">
    <h2 id="admin-rooms-heading">${tr.t('admin.rooms', { count: view.roomsMatched })}</h2>
    ${
      view.roomsMatched > view.rooms.length
        ? html`<p class="hint">${tr.t('admin.newestOnly', { count: view.rooms.length })}</p>`
        : ''
    }
    ${
      view.rooms.length === 0
        ? html`<p class="empty">${tr.t('admin.noRooms')}</p>`
        : html`<table class="admin-table">
            <thead>
              <tr>
                <th scope="col">${tr.t('admin.room')}</th>
                <th scope="col">${tr.t('admin.owner')}</th>
                <th scope="col">${tr.t('admin.members')}</th>
                <th scope="col">${tr.t('admin.lines')}</th>
                <th scope="col">${tr.t('admin.made')}</th>
                <th scope="col">${tr.t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              ${view.rooms.map(
                (r) =>
                  html`<tr data-room="${r.id}">
                    <td>
                      <a href="/room/${r.id}">${r.name}</a> <span class="bot-id">${r.id}</span>
                      ${r.isPublic ? '' : html`<span class="tag">${tr.t('admin.private')}</span>`}
                    </td>
                    <td>${r.owner ?? '—'}</td>
                    <td class="number">${r.members}</td>
                    <td class="number">${r.lines}</td>
                    <td>${when(r.createdAt)}</td>
                    <td>
                      <form
                        method="post"
                        action="/admin/room/${r.id}/delete"
                        class="inline confirmed"
                        data-action="delete"
                      >
                        ${csrfField(viewer)}
                        <label
                          ><input type="checkbox" name="confirm" value="yes" required />
                          ${tr.t('admin.confirmDeleteRoom', { room: r.id })}</label
                        >
                        <button type="submit" class="danger">${tr.t('admin.deleteRoom')}</button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function signInsSection(tr: Translator, signIns: readonly SignInRecord[]): SafeHtml {
  return html`<section class="card admin-sign-ins" aria-labelledby="admin-sign-ins-heading">
    <h2 id="admin-sign-ins-heading">${tr.t('admin.signIns')}</h2>
    <p class="hint">${tr.t('admin.signInsHint')}</p>
    ${
      signIns.length === 0
        ? html`<p class="empty">${tr.t('admin.noSignIns')}</p>`
        : html`<table class="admin-table">
            <thead>
              <tr>
                <th scope="col">${tr.t('admin.when')}</th>
                <th scope="col">${tr.t('admin.login')}</th>
                <th scope="col">${tr.t('admin.address')}</th>
                <th scope="col">${tr.t('admin.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              ${signIns.map(
                (s) =>
                  html`<tr class="${s.outcome === 'ok' ? 'ok' : 'failed'}" data-outcome="${s.outcome}">
                    <td>${when(s.at)}</td>
                    <td>${s.login}</td>
                    <td><code>${s.address}</code></td>
                    <td>${tr.t(OUTCOMES[s.outcome])}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function figuresSection(tr: Translator, f: AdminFigures): SafeHtml {
  const rows: Array<[string, string | number]> = [
    [tr.t('admin.figure.version'), f.version],
    [
      tr.t('admin.figure.uptime'),
      tr.t('admin.uptime', {
        hours: Math.floor(f.uptimeS / 3600),
        minutes: Math.floor((f.uptimeS % 3600) / 60),
      }),
    ],
    [tr.t('admin.figure.counter'), f.counter],
    [tr.t('admin.figure.sessions'), f.sessions],
    [tr.t('admin.figure.onlineUsers'), f.onlineUsers],
    [tr.t('admin.figure.streams'), f.streams],
    [tr.t('admin.figure.heldObserves'), f.heldObserves],
    [tr.t('admin.figure.pid'), f.pid],
    [tr.t('admin.figure.memory'), `${f.rssMb} MB`],
  ];
  return html`<section class="card admin-figures" aria-labelledby="admin-figures-heading">
    <h2 id="admin-figures-heading">${tr.t('admin.figures')}</h2>
    <dl class="figures">
      ${rows.map(
        ([label, value]) =>
          html`<div>
            <dt>${label}</dt>
            <dd>${value}</dd>
          </div>`,
      )}
    </dl>
    <p class="hint">${tr.t('admin.figuresHint')}</p>
  </section>`;
}

/** The site administrators' page: figures, sign-ins, users and rooms, and what may be done to them. */
export function adminPage(tr: Translator, viewer: Viewer, view: AdminView, status = 200): Page {
  return {
    status,
    body: page({
      tr,
      title: `${tr.t('admin.title')} — Lingr`,
      viewer,
      body: html`<main class="admin">
        <h1>${tr.t('admin.title')}</h1>
        ${flashLine(view.flash)}
        <form class="admin-filter" method="get" action="/admin" role="search">
          <label for="admin-filter">${tr.t('admin.filter')}</label>
          <input id="admin-filter" type="search" name="q" value="${view.filter}" maxlength="100" />
          <button type="submit">${tr.t('admin.filterButton')}</button>
        </form>
        <div class="admin-layout">
          ${figuresSection(tr, view.figures)} ${signInsSection(tr, view.signIns)}
        </div>
        ${usersSection(tr, viewer, view)} ${roomsSection(tr, viewer, view)}
      </main>`,
    }),
  };
}
