import { LANGUAGES, type Language } from '../core/model.js';
import { html } from './html.js';
import { DEFAULT_TIMEZONE } from '../core/validation.js';
import { LANGUAGE_NAMES } from './i18n/catalog.js';
import type { Translator } from './i18n/translator.js';
import { page, type Viewer } from './layout.js';
import type { Page } from './pages.js';

export interface FormState {
  values?: Record<string, string>;
  error?: string;
  status?: number;
}

function errorBox(error: string | undefined) {
  return error ? html`<p class="form-error" role="alert">${error}</p>` : '';
}

export function signInPage(tr: Translator, next: string, state: FormState = {}): Page {
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('nav.signIn')} — Lingr`,
      body: html`<main class="form-page">
        <h1>${tr.t('nav.signIn')}</h1>
        ${errorBox(state.error)}
        <form method="post" action="/signin" class="stacked">
          <input type="hidden" name="next" value="${next}" />
          <label for="username">${tr.t('form.username')}</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            maxlength="40"
            value="${state.values?.username ?? ''}"
          />
          <label for="password">${tr.t('form.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxlength="1024"
          />
          <button type="submit">${tr.t('nav.signIn')}</button>
        </form>
        <p>
          ${tr.h('signIn.newHere', {
            link: html`<a href="${withNext('/signup', next)}">${tr.t('signIn.createAccount')}</a>`,
          })}
        </p>
      </main>`,
    }),
  };
}

/** `path`, carrying where to go after signing in or up when that is not the front page. */
const withNext = (path: string, next: string) =>
  next === '/' ? path : `${path}?next=${encodeURIComponent(next)}`;

/** The sign-up form; `next` is where the new account goes once made (an invitation link, say). */
export function signUpPage(tr: Translator, state: FormState = {}, next = '/'): Page {
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('nav.signUp')} — Lingr`,
      body: html`<main class="form-page">
        <h1>${tr.t('signUp.heading')}</h1>
        ${errorBox(state.error)}
        <form method="post" action="/signup" class="stacked">
          ${next === '/' ? '' : html`<input type="hidden" name="next" value="${next}" />`}
          <label for="username">${tr.t('form.username')}</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            maxlength="40"
            pattern="[A-Za-z0-9_]{1,40}"
            aria-describedby="username-hint"
            value="${state.values?.username ?? ''}"
          />
          <p id="username-hint" class="hint">${tr.t('signUp.usernameHint')}</p>
          <label for="name">${tr.t('form.displayName')}</label>
          <input id="name" name="name" required maxlength="50" value="${state.values?.name ?? ''}" />
          <label for="email">${tr.t('form.emailOptional')}</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            maxlength="254"
            aria-describedby="email-hint"
            value="${state.values?.email ?? ''}"
          />
          <p id="email-hint" class="hint">${tr.t('signUp.emailHint')}</p>
          <label for="password">${tr.t('form.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength="8"
            maxlength="1024"
          />
          <button type="submit">${tr.t('nav.signUp')}</button>
        </form>
        <p>
          ${tr.h('signUp.haveAccount', {
            link: html`<a href="${withNext('/signin', next)}">${tr.t('nav.signIn')}</a>`,
          })}
        </p>
      </main>`,
    }),
  };
}

const TIMEZONES = Intl.supportedValuesOf('timeZone');
const zoneLabels = new Map<Language, readonly string[]>();

/** Each timezone as the reader's language names it too: "Asia/Tokyo (日本標準時)". Made once per language. */
function timezoneLabels(lang: Language): readonly string[] {
  let labels = zoneLabels.get(lang);
  if (!labels) {
    labels = TIMEZONES.map((tz) => {
      const name = new Intl.DateTimeFormat(lang, { timeZone: tz, timeZoneName: 'longGeneric' })
        .formatToParts(0)
        .find((p) => p.type === 'timeZoneName')?.value;
      return name && name !== tz ? `${tz} (${name})` : tz;
    });
    zoneLabels.set(lang, labels);
  }
  return labels;
}

/** The room form: creating (`editing` undefined) or changing the settings of room `editing`. */
export function roomFormPage(tr: Translator, viewer: Viewer, state: FormState = {}, editing?: string): Page {
  const v = state.values ?? {};
  const zone = v.timezone || DEFAULT_TIMEZONE;
  const title = tr.t(editing ? 'room.settings' : 'roomForm.create');
  const labels = timezoneLabels(tr.lang);
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${title} — Lingr`,
      viewer,
      body: html`<main class="form-page">
        <h1>${title}</h1>
        ${errorBox(state.error)}
        <form method="post" action="${editing ? `/room/${editing}/edit` : '/rooms/new'}" class="stacked">
          <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
          ${
            editing
              ? html`<p class="hint">${tr.t('roomForm.idKept', { path: `/room/${editing}` })}</p>`
              : html`<label for="room-id">${tr.t('roomForm.id')}</label>
                  <input
                    id="room-id"
                    name="id"
                    required
                    maxlength="40"
                    pattern="[A-Za-z0-9_]{1,40}"
                    aria-describedby="room-id-hint"
                    value="${v.id ?? ''}"
                  />
                  <p id="room-id-hint" class="hint">
                    ${tr.h('roomForm.idHint', { path: html`/room/<em>${tr.t('roomForm.idWord')}</em>` })}
                  </p>`
          }
          <label for="room-name">${tr.t('form.name')}</label>
          <input id="room-name" name="name" required maxlength="100" value="${v.name ?? ''}" />
          <label for="room-blurb">${tr.t('roomForm.description')}</label>
          <textarea id="room-blurb" name="blurb" rows="3" maxlength="2000">${v.blurb ?? ''}</textarea>
          <label for="room-tags">${tr.t('roomForm.tags')}</label>
          <input
            id="room-tags"
            name="tags"
            maxlength="400"
            aria-describedby="room-tags-hint"
            value="${v.tags ?? ''}"
          />
          <p id="room-tags-hint" class="hint">${tr.t('roomForm.tagsHint')}</p>
          <label for="room-timezone">${tr.t('roomForm.timezone')}</label>
          <select id="room-timezone" name="timezone">
            ${TIMEZONES.map(
              (tz, i) =>
                html`<option value="${tz}" ${tz === zone ? html`selected` : ''}>${labels[i]}</option>`,
            )}
          </select>
          <fieldset class="visibility">
            <legend>${tr.t('roomForm.visibility')}</legend>
            <label
              ><input
                type="radio"
                name="visibility"
                value="public"
                ${v.visibility === 'private' ? '' : html`checked`}
              />
              ${tr.t('roomForm.public')}</label
            >
            <label
              ><input
                type="radio"
                name="visibility"
                value="private"
                ${v.visibility === 'private' ? html`checked` : ''}
              />
              ${tr.t('roomForm.private')}</label
            >
          </fieldset>
          <button type="submit">${tr.t(editing ? 'roomForm.save' : 'roomForm.submit')}</button>
        </form>
      </main>`,
    }),
  };
}

/**
 * The owner's own profile; `email` is theirs (null: none), shown to nobody else. Guests have none.
 * `language` is the language they chose for the pages (null: their browser's).
 */
export function settingsPage(
  tr: Translator,
  viewer: Viewer,
  email: string | null,
  language: Language | null,
  state: FormState & { saved?: boolean } = {},
): Page {
  const chosen = state.values?.language ?? language ?? '';
  return {
    status: state.status ?? 200,
    body: page({
      tr,
      title: `${tr.t('settings.heading')} — Lingr`,
      viewer,
      body: html`<main class="form-page">
        <h1>${tr.t('settings.heading')}</h1>
        ${errorBox(state.error)}
        ${state.saved ? html`<p class="form-saved" role="status">${tr.t('form.saved')}</p>` : ''}
        <form method="post" action="/settings" enctype="multipart/form-data" class="stacked">
          <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
          <img
            class="profile-icon"
            src="/images/user/${encodeURIComponent(viewer.username)}/80x80.gif"
            alt="${tr.t('settings.yourIcon')}"
            width="80"
            height="80"
          />
          <label for="profile-name">${tr.t('form.displayName')}</label>
          <input
            id="profile-name"
            name="name"
            required
            maxlength="50"
            value="${state.values?.name ?? viewer.name}"
          />
          ${
            viewer.guest
              ? ''
              : html`<label for="profile-email">${tr.t('form.emailOptional')}</label>
                  <input
                    id="profile-email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    maxlength="254"
                    aria-describedby="profile-email-hint"
                    value="${state.values?.email ?? email ?? ''}"
                  />
                  <p id="profile-email-hint" class="hint">${tr.t('settings.emailHint')}</p>`
          }
          <label for="profile-language">${tr.t('settings.language')}</label>
          <select id="profile-language" name="language">
            <option value="" ${chosen === '' ? html`selected` : ''}>${tr.t('settings.languageAuto')}</option>
            ${LANGUAGES.map(
              (lang) =>
                html`<option value="${lang}" lang="${lang}" ${chosen === lang ? html`selected` : ''}>
                  ${LANGUAGE_NAMES[lang]}
                </option>`,
            )}
          </select>
          <label for="profile-icon">${tr.t('settings.icon')}</label>
          <input
            id="profile-icon"
            name="icon"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            aria-describedby="icon-hint"
          />
          <p id="icon-hint" class="hint">${tr.t('settings.iconHint')}</p>
          <button type="submit">${tr.t('form.save')}</button>
        </form>
      </main>`,
    }),
  };
}

/** What a guest gets instead of the room form: rooms need an owner with an account. */
export function signUpToCreatePage(tr: Translator, viewer: Viewer, detail: string): Page {
  return {
    status: 403,
    body: page({
      tr,
      title: `${tr.t('guest.roomsTitle')} — Lingr`,
      viewer,
      body: html`<main class="notice">
        <h1>${tr.t('guest.roomsHeading')}</h1>
        <p>${detail}</p>
        <p>
          ${tr.h('guest.signUpOrIn', {
            signUp: html`<a class="button" href="/signup?next=%2Frooms%2Fnew">${tr.t('nav.signUp')}</a>`,
            signIn: html`<a href="/signin?next=/rooms/new">${tr.t('guest.signIn')}</a>`,
          })}
        </p>
      </main>`,
    }),
  };
}
