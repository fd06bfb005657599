import { html } from './html.js';
import { page } from './layout.js';
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
        <p>New here? <a href="/signup">Create an account</a>.</p>
      </main>`,
    }),
  };
}

export function signUpPage(state: FormState = {}): Page {
  return {
    status: state.status ?? 200,
    body: page({
      title: 'Sign up — Lingr',
      body: html`<main class="form-page">
        <h1>Create your account</h1>
        ${errorBox(state.error)}
        <form method="post" action="/signup" class="stacked">
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
        <p>Have an account? <a href="/signin">Sign in</a>.</p>
      </main>`,
    }),
  };
}
