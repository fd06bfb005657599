import type { TestServer } from './server.js';

/** A form post as a browser sends it from one of our pages (or from `origin`). */
export function postForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
  origin = base,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** `name=value` of the first cookie a response sets. */
export const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

/** The anti-forgery token a page carries for its scripts. */
export const csrfOf = (page: string): string => /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';

export interface Browser {
  cookie: string;
  /** The session id inside the cookie, usable as an API 2.0 `session`. */
  session: string;
  csrf: string;
}

/** Signs in through the web form, as a person does, and picks up the page token. */
export async function webSignIn(base: string, username: string, password: string): Promise<Browser> {
  const res = await postForm(base, '/signin', { username, password });
  // Read to the end, so the connection goes back to the pool rather than lingering half-used.
  const text = await res.text();
  if (res.status !== 303) throw new Error(`sign-in failed with HTTP ${res.status}: ${text}`);
  const cookie = cookieOf(res);
  const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  return { cookie, session: cookie.split('=')[1] ?? '', csrf: csrfOf(page) };
}

/** A user the admin tool created, signed in through the web. */
export async function webUser(t: TestServer, username: string, password = 'password1'): Promise<Browser> {
  if (!(await t.adminStore.users.byUsername(username)))
    await t.admin.addUser({ username, password, name: username });
  return webSignIn(t.url, username, password);
}
