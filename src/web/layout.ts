import { html, type SafeHtml } from './html.js';
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
}

export interface PageInput {
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

function account(viewer: Viewer | undefined): SafeHtml {
  if (!viewer)
    return html`<nav class="account" aria-label="Account">
      <a href="/signin">Sign in</a> <a class="button" href="/signup">Sign up</a>
    </nav>`;
  return html`<nav class="account" aria-label="Account">
    ${
      viewer.guest
        ? html`<a href="/signup">Sign up</a>`
        : html`<a href="/rooms/new">New room</a> <a href="/bots">Bots</a>`
    }
    <a class="who" href="/settings">${viewer.name}</a>
    <form method="post" action="/signout">
      <input type="hidden" name="csrf" value="${viewer.csrfToken}" /><button type="submit" class="link">
        Sign out
      </button>
    </form>
  </nav>`;
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
  return html`<!doctype html>
    <html lang="en">
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
            <label for="site-search" class="visually-hidden">Search rooms and lines</label>
            <input
              id="site-search"
              type="search"
              name="q"
              placeholder="Search rooms and lines"
              value="${input.query ?? ''}"
              maxlength="100"
            />
            <button type="submit">Search</button>
          </form>
          ${account(input.viewer)}
        </header>
        ${input.body}
        <footer class="site"><p>Lingr — chat rooms in your browser since 2007.</p></footer>
      </body>
    </html> `.value;
}
