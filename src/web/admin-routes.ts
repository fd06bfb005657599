import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError, invalidParameter } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { SignInRecord } from '../engine/sign-in-log.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  adminPage,
  type AdminFigures,
  type AdminFlash,
  type AdminRoomRow,
  type AdminUserRow,
} from './admin-page.js';
import type { Translator } from './i18n/translator.js';
import type { Viewer } from './layout.js';
import { viewerOf, type Page, type Visitor, type WebPages } from './pages.js';

/** The newest this many users and rooms are listed; a filter finds the others. */
const LISTED = 100;
const MAX_FILTER = 100;

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.notFound]: 404,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
};

/** The operator's use cases the page acts through: the same ones as `lingr user …` and `lingr room …`. */
export interface SiteOperator {
  users(): Promise<Array<Omit<AdminUserRow, 'email'> & { email: string | null }>>;
  rooms(): Promise<Array<Omit<AdminRoomRow, 'lines'>>>;
  setPassword(username: string, password: string): Promise<number>;
  rename(username: string, name: string): Promise<unknown>;
  deleteUser(username: string): Promise<unknown>;
  deleteRoom(roomId: string): Promise<unknown>;
}

/** What the admin page reads besides the operator's lists. */
export interface AdminSources {
  operator: SiteOperator;
  signIns(): readonly SignInRecord[];
  figures(): AdminFigures;
  /** How many lines the room holds. */
  lines(roomId: string): Promise<number>;
}

export interface AdminKit extends AdminSources {
  pages: WebPages;
  sendPage(res: ServerResponse, page: Page): void;
  redirect(res: ServerResponse, location: string): void;
  poster(
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    back: string,
  ): Promise<Visitor | undefined>;
}

/** Which actions end in a flash line, and the words each says it with. */
const DONE = {
  deleted: 'admin.done.userDeleted',
  renamed: 'admin.done.renamed',
  password: 'admin.done.password',
  roomDeleted: 'admin.done.roomDeleted',
} as const;
type Done = keyof typeof DONE;
const isDone = (value: string | undefined): value is Done => value !== undefined && value in DONE;

/** A password nobody chose: 16 characters of base64url, about 96 bits. */
const generatedPassword = (): string => randomBytes(12).toString('base64url');

const matches = (filter: string, ...texts: Array<string | null>): boolean =>
  filter === '' || texts.some((t) => t !== null && t.toLowerCase().includes(filter.toLowerCase()));

/**
 * `/admin`: site administrators' view of users, rooms, sign-ins and the server's figures, and the
 * operator's actions on them. Visitors sign in first; anyone else is refused.
 */
export function adminRoutes(kit: AdminKit) {
  const { pages } = kit;

  const refused = (tr: Translator, res: ServerResponse) =>
    kit.sendPage(res, pages.problem(tr, 403, tr.t('admin.refused')));

  const render = async (
    tr: Translator,
    res: ServerResponse,
    visitor: Visitor,
    filter: string,
    flash?: AdminFlash,
    status = 200,
  ) => {
    const [users, rooms] = await Promise.all([kit.operator.users(), kit.operator.rooms()]);
    const shownUsers = users.filter((u) => matches(filter, u.username, u.name, u.email)).reverse();
    const shownRooms = rooms.filter((r) => matches(filter, r.id, r.name, r.owner)).reverse();
    const listedRooms = await Promise.all(
      shownRooms.slice(0, LISTED).map(async (r) => ({ ...r, lines: await kit.lines(r.id) })),
    );
    kit.sendPage(
      res,
      adminPage(
        tr,
        viewerOf(visitor) as Viewer,
        {
          users: shownUsers.slice(0, LISTED),
          usersMatched: shownUsers.length,
          rooms: listedRooms,
          roomsMatched: shownRooms.length,
          signIns: kit.signIns(),
          figures: kit.figures(),
          filter,
          ...(flash ? { flash } : {}),
        },
        status,
      ),
    );
  };

  /** GET /admin; false when the path is not the admin page's. */
  const get = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    values: Map<string, string>,
    visitor: Visitor | undefined,
  ): Promise<boolean> => {
    if (path !== '/admin') return false;
    if (!visitor) {
      kit.redirect(res, '/signin?next=/admin');
      return true;
    }
    if (!visitor.admin) {
      refused(tr, res);
      return true;
    }
    const done = values.get('done');
    const subject = values.get('subject') ?? '';
    const flash = isDone(done) ? { text: tr.t(DONE[done], { subject }) } : undefined;
    await render(tr, res, visitor, (values.get('q') ?? '').trim().slice(0, MAX_FILTER), flash);
    return true;
  };

  /** POST /admin/user/NAME/ACTION and /admin/room/ID/delete; false when the path is not the admin page's. */
  const post = async (
    tr: Translator,
    req: IncomingMessage,
    res: ServerResponse,
    parts: readonly string[],
    form: Map<string, string>,
  ): Promise<boolean> => {
    if (parts[0] !== 'admin') return false;
    const visitor = await kit.poster(req, res, form, '/admin');
    if (!visitor) return true;
    if (!visitor.admin) {
      refused(tr, res);
      return true;
    }
    const [, kind, subject = '', action] = parts;
    const back = (done: Done) =>
      kit.redirect(res, `/admin?done=${done}&subject=${encodeURIComponent(subject)}`);
    const confirmed = () => {
      if (form.get('confirm') !== 'yes') throw invalidParameter(phrase('confirmFirst'));
    };
    try {
      if (parts.length !== 4) throw invalidParameter(tr.t('admin.unknownAction'));
      if (kind === 'user' && action === 'delete') {
        confirmed();
        await kit.operator.deleteUser(subject);
        back('deleted');
      } else if (kind === 'user' && action === 'rename') {
        await kit.operator.rename(subject, (form.get('name') ?? '').trim());
        back('renamed');
      } else if (kind === 'user' && action === 'password') {
        const typed = form.get('password') ?? '';
        const password = typed === '' ? generatedPassword() : typed;
        await kit.operator.setPassword(subject, password);
        // Answered here rather than redirected: a made-up password must never sit in a URL or a log.
        const flash: AdminFlash = {
          text: tr.t(typed === '' ? 'admin.done.passwordMade' : 'admin.done.password', { subject }),
          ...(typed === '' ? { secret: password } : {}),
        };
        await render(tr, res, visitor, '', flash);
      } else if (kind === 'room' && action === 'delete') {
        confirmed();
        await kit.operator.deleteRoom(subject);
        back('roomDeleted');
      } else throw invalidParameter(tr.t('admin.unknownAction'));
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      await render(tr, res, visitor, '', { error: true, text: tr.error(err) }, STATUS[err.code] ?? 400);
    }
    return true;
  };

  return { get, post };
}
