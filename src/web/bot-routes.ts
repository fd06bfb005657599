import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError, invalidParameter } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { ID_PATTERN } from '../core/ids.js';
import { checkIcon } from '../core/validation.js';
import type { BotActor } from '../engine/bots.js';
import type { Chat } from '../engine/chat.js';
import type { Upload } from '../http/body.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  botPage,
  botsNeedAccountPage,
  botsPage,
  type BotDone,
  type BotFormState,
  type OwnBot,
} from './bot-pages.js';
import { botPath } from './fragments.js';
import { identicon } from './identicon.js';
import type { Translator } from './i18n/translator.js';
import type { Viewer } from './layout.js';
import { viewerOf, type Page, type Visitor, type WebPages } from './pages.js';

/** Icon file names as the APIs give them: a size, and .gif whatever the picture is. */
const ICON_FILE = /^\d{1,4}x\d{1,4}\.gif$/;

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.notFound]: 404,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.rateLimited]: 429,
};

/** What the bot pages need from the routes: sending, and the signed-in visitor of a post. */
export interface BotsKit {
  chat: Pick<Chat, 'bots' | 'queries'>;
  pages: WebPages;
  publicUrl: string;
  sendPage(res: ServerResponse, page: Page): void;
  /** Sends an image; `untrusted` (an upload) may never run anything if opened directly. */
  sendAsset(res: ServerResponse, type: string, body: string | Buffer, untrusted: boolean): void;
  redirect(res: ServerResponse, location: string): void;
  /**
   * The visitor a form post acts as, once its anti-forgery token checks out; otherwise the post has been
   * answered (sign in first, or 403) and this is undefined. `back` is where to come back to.
   */
  poster(
    req: IncomingMessage,
    res: ServerResponse,
    form: Map<string, string>,
    back: string,
  ): Promise<Visitor | undefined>;
}

const actorOf = (visitor: Visitor): BotActor => ({ userId: visitor.session.userId });

/** The page's idea of a signed-in visitor; always there for one, hence the cast. */
const pageViewer = (visitor: Visitor): Viewer => viewerOf(visitor) as Viewer;

function doneOf(query: Map<string, string>): BotDone {
  const done: BotDone = {};
  if (query.get('created') === '1') done.created = true;
  if (query.get('saved') === '1') done.saved = true;
  if (query.get('secret') === '1') done.secret = true;
  for (const key of ['added', 'removed'] as const) {
    const value = query.get(key);
    if (value && ID_PATTERN.test(value)) done[key] = value;
  }
  return done;
}

/** A form's value, trimmed; '' when the field was not sent. */
const field = (form: Map<string, string>, name: string) => (form.get(name) ?? '').trim();

/**
 * Bots in the web (spec 6.1): the viewer's bots and the form that registers one (`/bots`), each bot's public
 * page (`/bot/ID`) with its owner's settings, and its icon. Everything goes through `chat.bots`.
 */
export function botRoutes(kit: BotsKit) {
  const { chat, pages } = kit;
  const { bots, queries } = chat;

  const problem = (tr: Translator, res: ServerResponse, err: ChatError) =>
    kit.sendPage(res, pages.problem(tr, STATUS[err.code] ?? 400, tr.error(err)));

  const ownBots = async (userId: number): Promise<OwnBot[]> => {
    const owned: OwnBot[] = [];
    for (const bot of await bots.ownedBy(userId)) {
      const view = await bots.view(bot.id, { userId });
      owned.push({ bot, online: view.online, rooms: view.rooms.length });
    }
    return owned;
  };

  const listPage = async (tr: Translator, visitor: Visitor, state: BotFormState = {}): Promise<Page> =>
    botsPage(tr, pageViewer(visitor), await ownBots(visitor.session.userId), state);

  /** The bot's page as `visitor` sees it; undefined for a bot that is not there. */
  const showBot = async (
    tr: Translator,
    id: string,
    visitor: Visitor | undefined,
    done: BotDone = {},
    edit?: BotFormState,
  ): Promise<Page> => {
    const userId = visitor && !visitor.session.guest ? visitor.session.userId : undefined;
    const view = await bots.view(id, userId === undefined ? undefined : { userId });
    const owned =
      userId === undefined ? [] : (await queries.roomsOf(userId)).filter((r) => r.ownerId === userId);
    // The viewer's own rooms are all visible to them, so the page's list says which have the bot already.
    const inRooms = new Set(view.rooms.map((r) => r.id));
    const removable = new Set(
      view.rooms
        .filter((r) => view.mayEdit || (userId !== undefined && r.ownerId === userId))
        .map((r) => r.id),
    );
    return botPage(tr, {
      view,
      viewer: viewerOf(visitor),
      addable: owned.filter((r) => !inRooms.has(r.id)),
      ownsRooms: owned.length > 0,
      removable,
      publicUrl: kit.publicUrl,
      done,
      ...(edit ? { edit } : {}),
    });
  };

  const register = async (
    tr: Translator,
    res: ServerResponse,
    visitor: Visitor,
    form: Map<string, string>,
    icon: Upload | undefined,
  ) => {
    const values = {
      id: field(form, 'id'),
      name: field(form, 'name'),
      callback_url: field(form, 'callback_url'),
    };
    try {
      const bot = await bots.register(actorOf(visitor), {
        id: values.id,
        name: values.name,
        callbackUrl: values.callback_url,
        ...(icon ? { icon: icon.bytes } : {}),
      });
      kit.redirect(res, `${botPath(bot.id)}?created=1`);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      kit.sendPage(
        res,
        await listPage(tr, visitor, { error: tr.error(err), status: STATUS[err.code] ?? 400, values }),
      );
    }
  };

  const edit = async (
    tr: Translator,
    res: ServerResponse,
    visitor: Visitor,
    id: string,
    form: Map<string, string>,
    upload: Upload | undefined,
  ) => {
    const values = {
      name: form.get('name') ?? '',
      callback_url: field(form, 'callback_url'),
      enabled: form.get('enabled') === 'yes' ? 'yes' : 'no',
    };
    try {
      // The icon is checked first, so a bad one changes nothing at all.
      const icon = upload && checkIcon(upload.bytes);
      await bots.edit(actorOf(visitor), id, {
        name: values.name,
        callbackUrl: values.callback_url,
        enabled: values.enabled === 'yes',
      });
      if (icon) await bots.setIcon(actorOf(visitor), id, icon.bytes);
      kit.redirect(res, `${botPath(id)}?saved=1`);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      // Only its owner gets the form back; anyone else (or a bot gone meanwhile) the plain refusal.
      const mine = (await bots.byId(id))?.ownerId === visitor.session.userId;
      if (err.code !== ErrorCode.invalidParameter || !mine) return problem(tr, res, err);
      kit.sendPage(res, await showBot(tr, id, visitor, {}, { error: tr.error(err), status: 400, values }));
    }
  };

  /** Posts that act and go back to the bot's page saying what they did. */
  const act = async (
    tr: Translator,
    res: ServerResponse,
    visitor: Visitor,
    id: string,
    action: string,
    form: Map<string, string>,
  ): Promise<void> => {
    const actor = actorOf(visitor);
    const room = field(form, 'room');
    const confirmed = () => {
      if (form.get('confirm') !== 'yes') throw invalidParameter(phrase('confirmFirst'));
    };
    try {
      if (action === 'secret') {
        confirmed();
        await bots.regenerateSecret(actor, id);
        return kit.redirect(res, `${botPath(id)}?secret=1`);
      }
      if (action === 'delete') {
        confirmed();
        await bots.remove(actor, id);
        return kit.redirect(res, `/bots?deleted=${encodeURIComponent(id)}`);
      }
      if (!ID_PATTERN.test(room)) throw invalidParameter(phrase('chooseRoom'));
      if (action === 'add') {
        await bots.addToRoom(actor, room, id);
        return kit.redirect(res, `${botPath(id)}?added=${encodeURIComponent(room)}`);
      }
      await bots.removeFromRoom(actor, room, id);
      kit.redirect(res, `${botPath(id)}?removed=${encodeURIComponent(room)}`);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      problem(tr, res, err);
    }
  };

  return {
    /** GET /images/bot/ID/SIZE.gif: the uploaded icon, else one drawn from the id; 404 for no such bot. */
    async icon(tr: Translator, res: ServerResponse, id: string, file: string): Promise<void> {
      const bot = ID_PATTERN.test(id) && ICON_FILE.test(file) ? await bots.byId(id) : undefined;
      if (!bot) return kit.sendPage(res, pages.notFound(tr, tr.t('notFound.bot', { bot: id })));
      const uploaded = await bots.icon(bot.id);
      if (uploaded) return kit.sendAsset(res, uploaded.type, uploaded.bytes, true);
      kit.sendAsset(res, 'image/svg+xml', identicon(`bot/${bot.id}`), false);
    },

    /** GET /bots and /bot/ID; false for any other path. */
    async get(
      tr: Translator,
      res: ServerResponse,
      parts: readonly string[],
      query: Map<string, string>,
      visitor: Visitor | undefined,
    ): Promise<boolean> {
      if (parts.length === 1 && parts[0] === 'bots') {
        if (!visitor) kit.redirect(res, '/signin?next=/bots');
        else if (visitor.session.guest) kit.sendPage(res, botsNeedAccountPage(tr, pageViewer(visitor)));
        else {
          const deleted = query.get('deleted');
          kit.sendPage(
            res,
            await listPage(tr, visitor, deleted && ID_PATTERN.test(deleted) ? { deleted } : {}),
          );
        }
        return true;
      }
      if (parts.length !== 2 || parts[0] !== 'bot') return false;
      const id = parts[1] ?? '';
      try {
        if (!ID_PATTERN.test(id)) throw new ChatError(ErrorCode.notFound, `There is no bot “${id}”.`);
        kit.sendPage(res, await showBot(tr, id, visitor, doneOf(query)));
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        kit.sendPage(res, pages.notFound(tr, tr.t('notFound.bot', { bot: id })));
      }
      return true;
    },

    /** POST /bots and /bot/ID/{edit,secret,delete,rooms/add,rooms/remove}; false for any other path. */
    async post(
      tr: Translator,
      req: IncomingMessage,
      res: ServerResponse,
      parts: readonly string[],
      form: Map<string, string>,
      files: Map<string, Upload>,
    ): Promise<boolean> {
      if (parts.length === 1 && parts[0] === 'bots') {
        const visitor = await kit.poster(req, res, form, '/bots');
        if (!visitor) return true;
        if (visitor.session.guest) kit.sendPage(res, botsNeedAccountPage(tr, pageViewer(visitor)));
        else await register(tr, res, visitor, form, files.get('icon'));
        return true;
      }
      const [first, id, action, sub] = parts;
      if (first !== 'bot' || !id || !ID_PATTERN.test(id)) return false;
      const known =
        (parts.length === 3 && (action === 'edit' || action === 'secret' || action === 'delete')) ||
        (parts.length === 4 && action === 'rooms' && (sub === 'add' || sub === 'remove'));
      if (!known) return false;
      const visitor = await kit.poster(req, res, form, botPath(id));
      if (!visitor) return true;
      if (action === 'edit') await edit(tr, res, visitor, id, form, files.get('icon'));
      else await act(tr, res, visitor, id, action === 'rooms' ? (sub as string) : (action as string), form);
      return true;
    },
  };
}
