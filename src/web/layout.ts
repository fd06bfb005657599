import { LANGUAGES } from '../core/model.js';
import { html, type SafeHtml } from './html.js';
import { LANGUAGE_NAMES } from './i18n/catalog.js';
import type { Translator } from './i18n/translator.js';
import { assetUrl } from './static-assets.js';

/** Pages run no inline script or style: everything comes from our own origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // Inline images come from the sender's own link; nothing else third-party loads.
  'img-src * data:',
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Who is looking at the page, when signed in. */
export interface Viewer {
  username: string;
  name: string;
  csrfToken: string;
  /** A guest: in with only a nickname, so offered signing up rather than creating rooms. */
  guest?: boolean;
  /** A site administrator, who is shown the way to /admin. */
  admin?: boolean;
}

export interface PageInput {
  /** The language of the page, and the path its language switch returns to. */
  tr: Translator;
  title: string;
  body: SafeHtml;
  query?: string;
  viewer?: Viewer;
  /** Values for the page's script, as <meta name="lingr-…"> (no inline script under our CSP). */
  meta?: Record<string, string>;
  script?: string;
  /** Pages laid out to the window's height (the room) say so here. */
  bodyClass?: string;
  /** Where the "skip to" link leads keyboard users (the message box), with its words. */
  skipTo?: { href: string; label: string };
}

function account(tr: Translator, viewer: Viewer | undefined): SafeHtml {
  if (!viewer)
    return html`<nav class="account" aria-label="${tr.t('nav.account')}">
      <a href="/signin">${tr.t('nav.signIn')}</a> <a class="button" href="/signup">${tr.t('nav.signUp')}</a>
    </nav>`;
  return html`<nav class="account" aria-label="${tr.t('nav.account')}">
    ${
      viewer.guest
        ? html`<a href="/signup">${tr.t('nav.signUp')}</a>`
        : html`<a href="/rooms/new">${tr.t('nav.newRoom')}</a> <a href="/bots">${tr.t('nav.bots')}</a>`
    }
    ${viewer.admin ? html`<a href="/admin">${tr.t('nav.admin')}</a>` : ''}
    <a class="who" href="/settings">${viewer.name}</a>
    <form method="post" action="/signout">
      <input type="hidden" name="csrf" value="${viewer.csrfToken}" /><button type="submit" class="link">
        ${tr.t('nav.signOut')}
      </button>
    </form>
  </nav>`;
}

/** Where the footer's language switch goes: it sets the choice, then comes back to this page. */
export const LANGUAGE_PATH = '/settings/language';

/**
 * The footer's switch between the languages, each named in itself. Visitors follow a link that only sets a
 * cookie; signed-in people post a form (with its token) that also keeps the choice in their settings.
 */
function languageSwitch(tr: Translator, viewer: Viewer | undefined): SafeHtml {
  const choices = LANGUAGES.map((lang) => {
    const name = LANGUAGE_NAMES[lang];
    if (lang === tr.lang) return html`<span lang="${lang}" aria-current="true">${name}</span>`;
    if (viewer)
      return html`<button type="submit" class="link" name="language" value="${lang}" lang="${lang}">
        ${name}
      </button>`;
    const href = `${LANGUAGE_PATH}?to=${lang}&next=${encodeURIComponent(tr.here)}`;
    return html`<a href="${href}" lang="${lang}" hreflang="${lang}">${name}</a>`;
  });
  const label = tr.t('footer.language');
  return viewer
    ? html`<form class="languages" method="post" action="${LANGUAGE_PATH}" aria-label="${label}">
        <input type="hidden" name="csrf" value="${viewer.csrfToken}" />
        <input type="hidden" name="next" value="${tr.here}" />
        ${choices}
      </form>`
    : html`<nav class="languages" aria-label="${label}">${choices}</nav>`;
}

/** The site's icon: the SVG where browsers take it, else /favicon.ico (also what they ask for unprompted). */
export const icons = (): SafeHtml =>
  html`<link rel="icon" href="/favicon.ico" sizes="32x32" />
    <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />`;

/** The badge is the one page other sites may frame. */
export const BADGE_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "frame-ancestors 'none'",
  'frame-ancestors *',
);

export function page(input: PageInput): string {
  const meta = Object.entries(input.meta ?? {}).map(
    ([k, v]) => html`<meta name="lingr-${k}" content="${v}" />`,
  );
  const { tr } = input;
  return html`<!doctype html>
    <html lang="${tr.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${input.title}</title>
        <link rel="stylesheet" href="${assetUrl('lingr.css')}" />
        ${icons()}
        <link rel="manifest" href="/manifest.webmanifest" />
        <meta name="theme-color" content="#2f6fdf" />
        <script type="module" src="${assetUrl('app.js')}"></script>
        ${meta} ${input.viewer ? html`<meta name="csrf-token" content="${input.viewer.csrfToken}" />` : ''}
        ${input.script ? html`<script type="module" src="${input.script}"></script>` : ''}
      </head>
      <body class="${input.bodyClass ?? ''}">
        ${input.skipTo ? html`<a class="skip-link" href="${input.skipTo.href}">${input.skipTo.label}</a>` : ''}
        <header class="site">
          <a class="brand" href="/">Lingr</a>
          <form class="search" role="search" action="/search" method="get">
            <label for="site-search" class="visually-hidden">${tr.t('search.label')}</label>
            <input
              id="site-search"
              type="search"
              name="q"
              placeholder="${tr.t('search.label')}"
              value="${input.query ?? ''}"
              maxlength="100"
            />
            <button type="submit">${tr.t('search.button')}</button>
          </form>
          ${account(tr, input.viewer)}
        </header>
        ${input.body}
        <footer class="site">
          <p>${tr.t('footer.tagline')}</p>
          ${languageSwitch(tr, input.viewer)}
        </footer>
      </body>
    </html> `.value;
}
