import { html, type SafeHtml } from './html.js';

/** Pages run no inline script or style: everything comes from our own origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export function page(input: { title: string; body: SafeHtml; query?: string }): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${input.title}</title>
        <link rel="stylesheet" href="/static/lingr.css" />
      </head>
      <body>
        <header class="site">
          <a class="brand" href="/">Lingr</a>
          <form class="search" role="search" action="/" method="get">
            <label for="site-search" class="visually-hidden">Search rooms</label>
            <input
              id="site-search"
              type="search"
              name="q"
              placeholder="Search rooms"
              value="${input.query ?? ''}"
              maxlength="100"
            />
            <button type="submit">Search</button>
          </form>
        </header>
        ${input.body}
        <footer class="site"><p>Lingr — chat rooms in your browser since 2007.</p></footer>
      </body>
    </html> `.value;
}
