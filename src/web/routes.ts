import { requestAddress, type ClientAddress } from '../http/client-address.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError, invalidParameter } from '../core/chat-error.js';
import { ID_PATTERN } from '../core/ids.js';
import { ErrorCode } from '../protocol/errors.js';
import { decodeUtf8, parseForm } from '../http/params.js';
import type { Chat } from '../engine/chat.js';
import type { LiveSession } from '../engine/live-session.js';
import { readBody, type Upload } from '../http/body.js';
import {
  clearedLanguageCookie,
  clearedSessionCookie,
  LANGUAGE_COOKIE,
  languageCookie,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from '../http/cookies.js';
import { sendCompressible, sendPrecompressed } from '../http/compression.js';
import { csrfTokenFor, csrfValid, sameOrigin } from '../http/csrf.js';
import type { Target } from '../http/request-target.js';
import type { RouteTable } from '../http/routes.js';
import { phrase } from '../core/error-text.js';
import { LANGUAGES, type Language } from '../core/model.js';
import { roomFormPage, settingsPage, signInPage, signUpPage, signUpToCreatePage } from './account-pages.js';
import { iconPng, manifest, offlinePage } from './app.js';
import { adminRoutes, type AdminSources } from './admin-routes.js';
import { botRoutes } from './bot-routes.js';
import { memberRoutes } from './members.js';
import { profilePage } from './profile.js';
import { safeNext } from './safe-next.js';
import { searchPage } from './search.js';
import { identicon } from './identicon.js';
import { badgePage } from './badge.js';
import { chooseLanguage } from './i18n/choose.js';
import { Translator } from './i18n/translator.js';
import { BADGE_SECURITY_POLICY, CONTENT_SECURITY_POLICY, LANGUAGE_PATH, type Viewer } from './layout.js';
import { viewerOf as viewerOfVisitor, type Page, type Visitor, type WebPages } from './pages.js';
import { pageNumber } from './archives.js';
import { serviceWorker, staticFileAt, staticFiles, type StaticHit } from './static-assets.js';

const MAX_QUERY = 100;
/** Icon file names as API 1.0 gives them: a size, and .gif whatever the picture is. */
const ICON_FILE = /^\d{1,4}x\d{1,4}\.gif$/;
const FORM_STATUS: Partial<Record<string, number>> = {
  [ErrorCode.notFound]: 404,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
};

export interface WebDeps {
  pages: WebPages;
  chat: Pick<Chat, 'accounts' | 'rooms' | 'conversation' | 'subscriptions' | 'queries' | 'bots'>;
  bodyLimit: number;
  publicUrl: string;
  /** Cookies get `Secure` when the public URL is https. */
  secureCookies: boolean;
  /** The client's address from the peer's and `X-Forwarded-For` (trusted proxies). */
  clientAddress: ClientAddress;
  /** The admin page's sources; without them there is no /admin. */
  admin?: AdminSources;
}

/** A page, compressed for this response in the coding the browser accepts. */
function sendPage(res: ServerResponse, { status, body }: Page, headers: Record<string, string> = {}): void {
  const head = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-cache',
    ...headers,
  };
  sendCompressible(res, status, head, Buffer.from(body));
}

/** A file compressed at start; by its hashed URL cached for a year, by its plain name for five minutes. */
function sendStatic(res: ServerResponse, { file, immutable }: StaticHit): void {
  const head = {
    'content-type': file.type,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    'x-content-type-options': 'nosniff',
  };
  sendPrecompressed(res, 200, head, file.body, file.forms);
}

/** `untrusted` bytes (uploads) are also forbidden from running anything if opened directly. */
function sendAsset(
  res: ServerResponse,
  type: string,
  body: string | Buffer,
  untrusted = false,
  headers: Record<string, string> = {},
): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    ...(untrusted ? { 'content-security-policy': "default-src 'none'; sandbox" } : {}),
    ...headers,
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-cache', ...(cookie ? { 'set-cookie': cookie } : {}) });
  res.end();
}

/** The page a form was posted from (its Referer, on our own host), for the answer's language switch. */
function postedFrom(req: IncomingMessage): string {
  try {
    const referer = new URL(req.headers.referer ?? '');
    return referer.host === req.headers.host ? safeNext(referer.pathname + referer.search) : '/';
  } catch {
    return '/';
  }
}

function queryValues(query: string): Map<string, string> {
  const values = new Map<string, string>();
  try {
    parseForm(decodeUtf8(Buffer.from(query, 'latin1')), values);
  } catch {
    values.clear();
  }
  return values;
}

function searchQuery(query: string): string | undefined {
  const q = queryValues(query).get('q')?.trim();
  return q ? q.slice(0, MAX_QUERY) : undefined;
}

/**
 * A signed-in visitor, with the secret session id its cookie carried (to check its form token) and the
 * language they chose for the pages (null: their browser's).
 */
type SignedInVisitor = Visitor & { secret: string; language: Language | null };

/** The pages people read and the forms they post: everything the other routes do not take. */
export function registerWeb(routes: RouteTable, deps: WebDeps): void {
  const { pages } = deps;
  staticFiles(); // read, hash and compress them now rather than on the first request
  const { accounts, rooms, conversation, subscriptions, queries } = deps.chat;

  const visitors = new WeakMap<IncomingMessage, Promise<SignedInVisitor | undefined>>();

  /**
   * The signed-in visitor of a request, by the session cookie (looked up once per request); the form token
   * comes from that cookie.
   */
  const visitorOf = (req: IncomingMessage): Promise<SignedInVisitor | undefined> => {
    let found = visitors.get(req);
    if (!found) {
      found = (async () => {
        const secret = readCookie(req, SESSION_COOKIE);
        if (!secret) return undefined;
        const session = await accounts.session(secret, false).catch(() => undefined);
        if (!session) return undefined;
        const { language, admin } = await queries.readerOf(session.userId);
        return { session, csrfToken: csrfTokenFor(secret), secret, language, admin };
      })();
      visitors.set(req, found);
    }
    return found;
  };

  /**
   * The words of the answer to `req`: the signed-in visitor's language, else the footer's cookie, else
   * what the browser asks for. `here` is the page answered, where switching language comes back to.
   */
  const translatorOf = async (req: IncomingMessage, here: string): Promise<Translator> => {
    const visitor = await visitorOf(req);
    const language = chooseLanguage({
      setting: visitor?.language,
      cookie: readCookie(req, LANGUAGE_COOKIE),
      acceptLanguage: req.headers['accept-language'],
    });
    return new Translator(language, here);
  };

  const signIn = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
  ) => {
    const next = safeNext(form.get('next'));
    const username = form.get('username')?.trim() ?? '';
    try {
      const { secret } = await accounts.login(
        username,
        form.get('password') ?? '',
        null,
        requestAddress(req, deps.clientAddress),
      );
      redirect(res, next, sessionCookie(secret, deps.secureCookies));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      const status = err.code === ErrorCode.rateLimited ? 429 : 401;
      sendPage(res, signInPage(tr, next, { error: tr.error(err), status, values: { username } }));
    }
  };

  const signUp = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
  ) => {
    const values = {
      username: form.get('username')?.trim() ?? '',
      name: form.get('name')?.trim() ?? '',
      email: form.get('email')?.trim() ?? '',
    };
    const password = form.get('password') ?? '';
    const next = safeNext(form.get('next'));
    try {
      const { secret } = await accounts.signUp(
        {
          username: values.username,
          password,
          name: values.name || values.username,
          email: values.email || undefined,
        },
        requestAddress(req, deps.clientAddress),
      );
      redirect(res, next, sessionCookie(secret, deps.secureCookies));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      sendPage(res, signUpPage(tr, { error: tr.error(err), status: 400, values }, next));
    }
  };

  /**
   * Posts that act as the signed-in viewer need its anti-forgery token. Answers the request itself (sign
   * in first, or 403) and returns undefined when the post may not go on; `page` is where to come back to.
   */
  const poster = async (
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    page: string,
  ): Promise<SignedInVisitor | undefined> => {
    const viewer = await visitorOf(req);
    if (!viewer) redirect(res, `/signin?next=${encodeURIComponent(page)}`);
    else if (!csrfValid(viewer.secret, viewer.session, form.get('csrf'))) {
      const tr = await translatorOf(req, postedFrom(req));
      sendPage(res, pages.problem(tr, 403, tr.t('problem.expired')));
    } else return viewer;
    return undefined;
  };

  /** A post that acts, then sends the viewer on to the page it names. */
  const acting = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    page: string,
    act: (viewer: LiveSession) => Promise<string>,
  ) => {
    const viewer = await poster(req, res, form, page);
    if (!viewer) return;
    try {
      redirect(res, await act(viewer.session));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      sendPage(res, pages.problem(tr, FORM_STATUS[err.code] ?? 400, tr.error(err)));
    }
  };

  const members = memberRoutes({
    chat: deps.chat,
    pages,
    publicUrl: deps.publicUrl,
    sendPage,
    redirect,
    poster,
  });

  const bots = botRoutes({
    chat: deps.chat,
    pages,
    publicUrl: deps.publicUrl,
    sendPage,
    sendAsset: (res, type, body, untrusted) => sendAsset(res, type, body, untrusted),
    redirect,
    poster,
  });

  const admin = deps.admin && adminRoutes({ ...deps.admin, pages, sendPage, redirect, poster });

  const createRoom = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
  ) => {
    const viewer = await poster(req, res, form, '/rooms/new');
    if (!viewer) return;
    const values = Object.fromEntries(
      ['id', 'name', 'blurb', 'tags', 'timezone', 'visibility'].map((k) => [k, form.get(k)?.trim() ?? '']),
    );
    try {
      const room = await rooms.createRoom(viewer.session, {
        id: values.id ?? '',
        name: values.name ?? '',
        blurb: values.blurb || undefined,
        isPublic: values.visibility !== 'private',
        tags: (values.tags ?? '').split(/[\s,]+/),
        timezone: values.timezone || undefined,
      });
      redirect(res, `/room/${room.id}`);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      const page = viewerOfVisitor(viewer) as Viewer;
      // Guests are refused by the engine; they get the way to an account rather than the form again.
      if (viewer.session.guest) return sendPage(res, signUpToCreatePage(tr, page, tr.error(err)));
      sendPage(res, roomFormPage(tr, page, { error: tr.error(err), status: 400, values }));
    }
  };

  const saveProfile = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    icon?: Upload,
  ) => {
    const viewer = await poster(req, res, form, '/settings');
    if (!viewer) return;
    const name = form.get('name') ?? '';
    // A form without the field (a guest's) leaves the email as it is; the same goes for the language.
    const email = form.get('email');
    const language = form.get('language');
    try {
      await accounts.updateProfile(viewer.session, { name, icon: icon?.bytes, email });
      if (language !== undefined) await accounts.setLanguage(viewer.session, language);
      // The cookie follows the setting, so the pages keep the language after signing out.
      const cookie =
        language === undefined
          ? undefined
          : language === ''
            ? clearedLanguageCookie()
            : languageCookie(language, deps.secureCookies);
      redirect(res, '/settings?saved=1', cookie);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      const values = {
        name,
        ...(email === undefined ? {} : { email }),
        ...(language === undefined ? {} : { language }),
      };
      sendPage(
        res,
        settingsPage(
          tr,
          viewerOfVisitor(viewer) as Viewer,
          await queries.ownEmail(viewer.session.userId),
          viewer.language,
          { error: tr.error(err), status: FORM_STATUS[err.code] ?? 400, values },
        ),
      );
    }
  };

  /**
   * The footer's language switch, signed in: the choice goes into the user's settings (and the cookie),
   * then back to the page it was made on.
   */
  const switchLanguage = async (req: IncomingMessage, res: ServerResponse, form: Map<string, string>) => {
    const next = safeNext(form.get('next'));
    const viewer = await poster(req, res, form, next);
    if (!viewer) return;
    const language = form.get('language') ?? '';
    const tr = await translatorOf(req, next);
    try {
      if (language === '') throw invalidParameter(phrase('languageUnknown', { language }));
      await accounts.setLanguage(viewer.session, language);
      redirect(res, next, languageCookie(language, deps.secureCookies));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      sendPage(res, pages.problem(tr, 400, tr.error(err)));
    }
  };

  const enterAsGuest = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    id: string,
  ) => {
    try {
      const { secret } = await accounts.enterAsGuest(
        id,
        form.get('nickname') ?? '',
        requestAddress(req, deps.clientAddress),
      );
      redirect(res, `/room/${id}`, sessionCookie(secret, deps.secureCookies));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      sendPage(res, pages.problem(tr, FORM_STATUS[err.code] ?? 400, tr.error(err)));
    }
  };

  const editRoom = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    id: string,
  ) => {
    const viewer = await poster(req, res, form, `/room/${id}/edit`);
    if (!viewer) return;
    const values = Object.fromEntries(
      ['name', 'blurb', 'tags', 'timezone', 'visibility'].map((k) => [k, form.get(k)?.trim() ?? '']),
    );
    try {
      await rooms.updateRoom(viewer.session, id, {
        name: values.name ?? '',
        blurb: values.blurb || undefined,
        isPublic: values.visibility !== 'private',
        tags: (values.tags ?? '').split(/[\s,]+/),
        timezone: values.timezone || undefined,
      });
      redirect(res, `/room/${id}`);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      const status = FORM_STATUS[err.code] ?? 400;
      sendPage(
        res,
        roomFormPage(tr, viewerOfVisitor(viewer) as Viewer, { error: tr.error(err), status, values }, id),
      );
    }
  };

  /** Posts the live client makes in the background: answered 204, or 403 without a valid session and token. */
  const background = async (req: IncomingMessage, res: ServerResponse, form: Map<string, string>) => {
    const viewer = await visitorOf(req);
    const ok = viewer && csrfValid(viewer.secret, viewer.session, form.get('csrf'));
    res.writeHead(ok ? 204 : 403, { 'cache-control': 'no-store' });
    res.end();
    return ok ? viewer : undefined;
  };

  /** A closing page says so (sendBeacon), so its viewer leaves the chatters within seconds. */
  const away = async (req: IncomingMessage, res: ServerResponse, form: Map<string, string>) => {
    const viewer = await background(req, res, form);
    if (viewer) subscriptions.departing(viewer.session);
  };

  const markRead = async (
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    id: string,
  ) => {
    const message = Number(form.get('message'));
    const viewer = await background(req, res, form);
    if (viewer && Number.isSafeInteger(message) && message > 0)
      await conversation.markRead(viewer.session, id, message);
  };

  /**
   * A room's icon (API 1.0 names it `/images/room/<id>/16x16.gif`, whatever it holds): the upload with its
   * real type, else one drawn from the id. A private room's only to those who may see it, and kept by no
   * shared cache.
   */
  const roomIcon = async (tr: Translator, req: IncomingMessage, res: ServerResponse, id: string) => {
    const viewer = ID_PATTERN.test(id) ? await visitorOf(req) : undefined;
    const found = ID_PATTERN.test(id) ? await queries.roomIcon(id, viewer?.session.userId) : undefined;
    if (!found) return sendPage(res, pages.notFound(tr, tr.t('notFound.room', { room: id })));
    const caching: Record<string, string> = found.room.isPublic
      ? {}
      : { 'cache-control': 'private, max-age=300' };
    if (found.icon) return sendAsset(res, found.icon.type, found.icon.bytes, true, caching);
    sendAsset(res, 'image/svg+xml', identicon(`room/${id}`), false, caching);
  };

  /** Pages that run the live client follow all the viewer's rooms, for their unread counts. */
  const followRooms = async (viewer: SignedInVisitor, also?: string) => {
    const ids = await queries.roomIdsOf(viewer.session.userId);
    if (also && !ids.includes(also)) ids.push(also);
    await subscriptions.subscribe(viewer.session, ids, false).catch(() => undefined);
  };

  const post = async (req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> => {
    const tr = await translatorOf(req, postedFrom(req));
    if (!sameOrigin(req)) return sendPage(res, pages.problem(tr, 403, tr.t('problem.foreignForm')));
    const form = new Map<string, string>();
    const files = new Map<string, Upload>();
    try {
      await readBody(req, form, deps.bodyLimit, files);
    } catch (err) {
      if (err instanceof ChatError) return sendPage(res, pages.problem(tr, 400, tr.error(err)));
      throw err;
    }
    const [first, id, action] = parts;
    if (parts.length === 1 && first === 'signin') return signIn(tr, req, res, form);
    if (parts.length === 1 && first === 'signup') return signUp(tr, req, res, form);
    if (parts.length === 1 && first === 'signout') {
      const viewer = await visitorOf(req);
      if (viewer && csrfValid(viewer.secret, viewer.session, form.get('csrf')))
        await accounts.destroy(viewer.secret);
      return redirect(res, '/', clearedSessionCookie());
    }
    if (parts.length === 1 && first === 'away') return away(req, res, form);
    if (first === 'rooms' && id === 'new' && parts.length === 2) return createRoom(tr, req, res, form);
    if (first === 'settings' && parts.length === 1) return saveProfile(tr, req, res, form, files.get('icon'));
    if (first === 'settings' && id === 'language' && parts.length === 2)
      return switchLanguage(req, res, form);
    if (admin && (await admin.post(tr, req, res, parts, form))) return;
    if (await bots.post(tr, req, res, parts, form, files)) return;
    if (
      first === 'room' &&
      id &&
      ID_PATTERN.test(id) &&
      (await members.post(tr, req, res, form, id, parts.slice(2)))
    )
      return;
    if (first === 'room' && parts.length === 3 && id && ID_PATTERN.test(id)) {
      const back = `/room/${id}`;
      if (action === 'join')
        return acting(tr, req, res, form, back, (v) => rooms.join(v, id).then(() => back));
      if (action === 'edit') return editRoom(tr, req, res, form, id);
      if (action === 'guest') return enterAsGuest(tr, req, res, form, id);
      if (action === 'nickname')
        return acting(tr, req, res, form, back, (v) =>
          accounts.rename(v, form.get('nickname') ?? '').then(() => back),
        );
      if (action === 'delete')
        return acting(tr, req, res, form, back, async (v) => {
          if (form.get('confirm') !== 'yes') throw invalidParameter(phrase('confirmFirst'));
          await rooms.deleteRoom(v, id);
          return '/';
        });
      if (action === 'read') return markRead(req, res, form, id);
      if (action === 'leave')
        return acting(tr, req, res, form, back, (v) => rooms.leave(v, id).then(() => '/'));
      if (action === 'say')
        return acting(tr, req, res, form, back, (v) =>
          conversation.say(v, { room: id, text: form.get('text') ?? '' }).then(() => back),
        );
    }
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Method not allowed.\n');
  };

  routes.otherwise(
    async (req: IncomingMessage, res: ServerResponse, { path, query }: Target): Promise<void> => {
      const parts = path
        .split('/')
        .slice(1)
        .map((p) => {
          try {
            return decodeURIComponent(p);
          } catch {
            return '';
          }
        });
      if (req.method === 'POST') return post(req, res, parts);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' });
        res.end('Method not allowed.\n');
        return;
      }
      const file = staticFileAt(path);
      if (file) return sendStatic(res, file);
      // The worker is checked for updates on every visit, and may control every page.
      if (path === '/sw.js')
        return sendAsset(res, 'text/javascript; charset=utf-8', serviceWorker(), false, {
          'cache-control': 'no-cache',
          'service-worker-allowed': '/',
        });
      const icon = path.startsWith('/icons/') ? iconPng(path) : undefined;
      if (icon) return sendAsset(res, 'image/png', icon);
      const values = queryValues(query);
      if (
        parts[0] === 'room' &&
        parts[2] === 'badge' &&
        parts.length === 3 &&
        ID_PATTERN.test(parts[1] as string)
      ) {
        // The badge speaks the language its address names, else its reader's (a blog's visitor has no session here).
        const tr = new Translator(
          chooseLanguage({
            setting: LANGUAGES.find((l) => l === values.get('lang')) ?? null,
            cookie: readCookie(req, LANGUAGE_COOKIE),
            acceptLanguage: req.headers['accept-language'],
          }),
        );
        const badge = await badgePage(tr, queries, deps.publicUrl, parts[1] as string);
        return sendPage(res, badge ?? pages.notFound(tr), {
          'content-security-policy': BADGE_SECURITY_POLICY,
        });
      }
      if (parts[0] === 'images' && parts[1] === 'user' && parts.length === 4 && parts[2]) {
        const uploaded = await queries.userIcon(parts[2]);
        return uploaded
          ? sendAsset(res, uploaded.type, uploaded.bytes, true)
          : sendAsset(res, 'image/svg+xml', identicon(parts[2]));
      }
      const tr = await translatorOf(req, safeNext(query ? `${path}?${query}` : path));
      if (path === '/offline') return sendPage(res, offlinePage(tr));
      // Its description is in the reader's language, so caches keep one per language.
      if (path === '/manifest.webmanifest')
        return sendAsset(res, 'application/manifest+json', manifest(tr), false, {
          vary: 'accept-language, cookie',
        });
      if (
        parts[0] === 'images' &&
        parts[1] === 'room' &&
        parts.length === 4 &&
        ICON_FILE.test(parts[3] ?? '')
      )
        return roomIcon(tr, req, res, parts[2] ?? '');
      if (parts[0] === 'images' && parts[1] === 'bot' && parts.length === 4)
        return bots.icon(tr, res, parts[2] ?? '', parts[3] ?? '');
      if (path === LANGUAGE_PATH) {
        // A visitor's switch: it only sets the cookie (a GET changes nothing else) and goes back.
        const language = LANGUAGES.find((l) => l === values.get('to'));
        const next = safeNext(values.get('next'));
        return redirect(res, next, language && languageCookie(language, deps.secureCookies));
      }
      if (path === '/signin') return sendPage(res, signInPage(tr, safeNext(values.get('next'))));
      if (path === '/signup') return sendPage(res, signUpPage(tr, {}, safeNext(values.get('next'))));
      const viewer = await visitorOf(req);
      if (path === '/settings')
        return viewer
          ? sendPage(
              res,
              settingsPage(
                tr,
                viewerOfVisitor(viewer) as Viewer,
                await queries.ownEmail(viewer.session.userId),
                viewer.language,
                { saved: values.get('saved') === '1' },
              ),
            )
          : redirect(res, '/signin?next=/settings');
      if (path === '/rooms/new')
        return viewer
          ? sendPage(
              res,
              viewer.session.guest
                ? signUpToCreatePage(tr, viewerOfVisitor(viewer) as Viewer, tr.t('error.guestsCreateNoRooms'))
                : roomFormPage(tr, viewerOfVisitor(viewer) as Viewer),
            )
          : redirect(res, '/signin?next=/rooms/new');
      if (path === '/') {
        if (viewer) await followRooms(viewer);
        return sendPage(res, await pages.explore(tr, searchQuery(query), viewer));
      }
      if (admin && (await admin.get(tr, req, res, path, values, viewer))) return;
      if (await bots.get(tr, res, parts, values, viewer)) return;
      if (path === '/starred')
        return viewer
          ? sendPage(res, await pages.starred(tr, viewer))
          : redirect(res, '/signin?next=/starred');
      if (path === '/search')
        return sendPage(res, await searchPage(tr, queries, searchQuery(query), values.get('page'), viewer));
      if (parts[0] === 'room' && parts.length >= 2 && ID_PATTERN.test(parts[1] as string)) {
        const id = parts[1] as string;
        if (parts.length === 2) {
          // The live client follows this room through the viewer's session.
          if (viewer) await followRooms(viewer, id);
          return sendPage(res, await pages.room(tr, id, viewer));
        }
        if (await members.get(tr, res, id, parts.slice(2), values, viewer)) return;
        if (parts[2] === 'edit' && parts.length === 3) {
          if (!viewer) return redirect(res, `/signin?next=/room/${id}/edit`);
          const room = await queries.ownedRoom(id, viewer.session.userId);
          if (!room) return sendPage(res, pages.notFound(tr, tr.t('notFound.ownRoom', { room: id })));
          const settings = {
            name: room.name,
            blurb: room.blurb ?? '',
            tags: room.tags.join(', '),
            timezone: room.timezone,
            visibility: room.isPublic ? 'public' : 'private',
          };
          return sendPage(res, roomFormPage(tr, viewerOfVisitor(viewer) as Viewer, { values: settings }, id));
        }
        if (parts[2] === 'archives' && parts.length === 3)
          return sendPage(res, await pages.archives(tr, id, searchQuery(query), viewer));
        if (parts[2] === 'message' && parts.length === 4 && /^[1-9]\d{0,15}$/.test(parts[3] as string)) {
          const found = await pages.lineLocation(tr, id, Number(parts[3]), viewer);
          return typeof found === 'string' ? redirect(res, found) : sendPage(res, found);
        }
        const [year, month, day] = parts.slice(3);
        if (
          parts[2] === 'archives' &&
          parts.length === 6 &&
          /^\d{4}$/.test(year ?? '') &&
          /^\d{2}$/.test(month ?? '') &&
          /^\d{2}$/.test(day ?? '')
        ) {
          const pageNo = pageNumber(values.get('page'));
          if (pageNo === undefined) return sendPage(res, pages.notFound(tr, tr.t('notFound.dayPage')));
          return sendPage(res, await pages.archiveDay(tr, id, `${year}-${month}-${day}`, pageNo, viewer));
        }
      }
      if (parts[0] === 'tag' && parts.length === 2 && parts[1])
        return sendPage(res, await pages.tag(tr, parts[1], viewer));
      // Usernames are never a top-level path's name (core/validation.ts), so what is left may be one.
      if (parts.length === 1 && ID_PATTERN.test(parts[0] ?? '')) {
        const profile = await queries.profile(parts[0] as string);
        if (profile) return sendPage(res, profilePage(tr, profile, viewerOfVisitor(viewer)));
      }
      sendPage(res, pages.notFound(tr));
    },
  );
}
