import { html } from './html.js';
import { DEFAULT_TIMEZONE } from '../core/validation.js';
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

export function signInPage(next: string, state: FormState = {}): Page {
  return {
    status: state.status ?? 200,
    body: page({
      title: 'Sign in — Lingr',
      body: html`<main class="form-page">
        <h1>Sign in</h1>
        ${errorBox(state.error)}
        <form method="post" action="/signin" class="stacked">
          <input type="hidden" name="next" value="${next}" />
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            maxlength="40"
            value="${state.values?.username ?? ''}"
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxlength="1024"
          />
          <button type="submit">Sign in</button>
        </form>
        <p>New here? <a href="${withNext('/signup', next)}">Create an account</a>.</p>
      </main>`,
    }),
  };
}

/** `path`, carrying where to go after signing in or up when that is not the front page. */
const withNext = (path: string, next: string) =>
  next === '/' ? path : `${path}?next=${encodeURIComponent(next)}`;

/** The sign-up form; `next` is where the new account goes once made (an invitation link, say). */
export function signUpPage(state: FormState = {}, next = '/'): Page {
  return {
    status: state.status ?? 200,
    body: page({
      title: 'Sign up — Lingr',
      body: html`<main class="form-page">
        <h1>Create your account</h1>
        ${errorBox(state.error)}
        <form method="post" action="/signup" class="stacked">
          ${next === '/' ? '' : html`<input type="hidden" name="next" value="${next}" />`}
          <label for="username">Username</label>
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
          <p id="username-hint" class="hint">Letters, digits and underscores; it names you in the API.</p>
          <label for="name">Display name</label>
          <input id="name" name="name" required maxlength="50" value="${state.values?.name ?? ''}" />
          <label for="email">Email (optional)</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            maxlength="254"
            aria-describedby="email-hint"
            value="${state.values?.email ?? ''}"
          />
          <p id="email-hint" class="hint">Only you see it; programs that sign in by email use it.</p>
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength="8"
            maxlength="1024"
          />
          <button type="submit">Sign up</button>
        </form>
        <p>Have an account? <a href="${withNext('/signin', next)}">Sign in</a>.</p>
      </main>`,
    }),
  };
}

const TIMEZONES = Intl.supportedValuesOf('timeZone');

/** The room form: creating (`editing` undefined) or changing the settings of room `editing`. */
export function roomFormPage(viewer: Viewer, state: FormState = {}, editing?: string): Page {
  const v = state.values ?? {};
  const zone = v.timezone || DEFAULT_TIMEZONE;
  const title = editing ? 'Room settings' : 'Create a room';
  return {
    status: state.status ?? 200,
    body: page({
      title: `${title} — Lingr`,
      viewer,
      body: html`<main class="form-page">
        <h1>${title}</h1>
        ${errorBox(state.error)}
        <form method="post" action="${editing ? `/room/${editing}/edit` : '/rooms/new'}" class="stacked">
          <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
          ${
            editing
              ? html`<p class="hint">This room lives at /room/${editing}; its id does not change.</p>`
              : html`<label for="room-id">Room id</label>
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
                    Letters, digits and underscores: the room lives at /room/<em>id</em>.
                  </p>`
          }
          <label for="room-name">Name</label>
          <input id="room-name" name="name" required maxlength="100" value="${v.name ?? ''}" />
          <label for="room-blurb">Description</label>
          <textarea id="room-blurb" name="blurb" rows="3" maxlength="2000">${v.blurb ?? ''}</textarea>
          <label for="room-tags">Tags</label>
          <input
            id="room-tags"
            name="tags"
            maxlength="400"
            aria-describedby="room-tags-hint"
            value="${v.tags ?? ''}"
          />
          <p id="room-tags-hint" class="hint">Separated by commas or spaces, up to 10.</p>
          <label for="room-timezone">Timezone</label>
          <select id="room-timezone" name="timezone">
            ${TIMEZONES.map((tz) => html`<option value="${tz}" ${tz === zone ? html`selected` : ''}>${tz}</option>`)}
          </select>
          <fieldset class="visibility">
            <legend>Who can see it</legend>
            <label
              ><input
                type="radio"
                name="visibility"
                value="public"
                ${v.visibility === 'private' ? '' : html`checked`}
              />
              Public: listed, anyone can read</label
            >
            <label
              ><input
                type="radio"
                name="visibility"
                value="private"
                ${v.visibility === 'private' ? html`checked` : ''}
              />
              Private: members only</label
            >
          </fieldset>
          <button type="submit">${editing ? 'Save settings' : 'Create room'}</button>
        </form>
      </main>`,
    }),
  };
}

/** The owner's own profile; `email` is theirs (null: none), shown to nobody else. Guests have none. */
export function settingsPage(
  viewer: Viewer,
  email: string | null,
  state: FormState & { saved?: boolean } = {},
): Page {
  return {
    status: state.status ?? 200,
    body: page({
      title: 'Your profile — Lingr',
      viewer,
      body: html`<main class="form-page">
        <h1>Your profile</h1>
        ${errorBox(state.error)} ${state.saved ? html`<p class="form-saved" role="status">Saved.</p>` : ''}
        <form method="post" action="/settings" enctype="multipart/form-data" class="stacked">
          <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
          <img
            class="profile-icon"
            src="/images/user/${encodeURIComponent(viewer.username)}/80x80.gif"
            alt="Your icon"
            width="80"
            height="80"
          />
          <label for="profile-name">Display name</label>
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
              : html`<label for="profile-email">Email (optional)</label>
                  <input
                    id="profile-email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    maxlength="254"
                    aria-describedby="profile-email-hint"
                    value="${state.values?.email ?? email ?? ''}"
                  />
                  <p id="profile-email-hint" class="hint">Only you see it. Leave it empty to have none.</p>`
          }
          <label for="profile-icon">Icon</label>
          <input
            id="profile-icon"
            name="icon"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            aria-describedby="icon-hint"
          />
          <p id="icon-hint" class="hint">
            PNG, JPEG, GIF or WebP, up to 256 KB. Without one you get a pattern drawn from your name.
          </p>
          <button type="submit">Save</button>
        </form>
      </main>`,
    }),
  };
}

/** What a guest gets instead of the room form: rooms need an owner with an account. */
export function signUpToCreatePage(viewer: Viewer, detail: string): Page {
  return {
    status: 403,
    body: page({
      title: 'Sign up to create rooms — Lingr',
      viewer,
      body: html`<main class="notice">
        <h1>Rooms need an account</h1>
        <p>${detail}</p>
        <p>
          <a class="button" href="/signup?next=%2Frooms%2Fnew">Sign up</a> or
          <a href="/signin?next=/rooms/new">sign in</a>
        </p>
      </main>`,
    }),
  };
}
