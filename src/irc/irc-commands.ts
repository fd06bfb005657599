import { ChatError } from '../core/chat-error.js';
import { ErrorCode } from '../protocol/errors.js';
import type { IrcConnection } from './irc-connection.js';
import type { ChannelFeed } from './irc-feed.js';
import { roomIdOf } from './irc-channels.js';
import type { IrcMessage } from './irc-message.js';
import { channelOf, USER_HOST } from './irc-render.js';
import { list, LIST_LIMIT, motd, namesOf, topicOf, whoLine, whois } from './irc-replies.js';
import { spokenText } from './irc-text.js';
import { Numeric } from './numerics.js';

type Handler = (m: IrcMessage) => Promise<void> | void;

/** Commands that cost nothing against the API's call limit: keep-alive, and saying (which has its own). */
const UNCOUNTED = new Set(['PRIVMSG', 'NOTICE', 'TAGMSG']);
/** USERHOST and ISON name at most this many nicks (RFC 2812 says 5 for USERHOST). */
const MAX_NICKS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * What a signed-in client may ask, each through the use cases: the same rules and limits as the web and
 * the APIs. Every command but saying counts as an API call; past the limit it is answered 263 late.
 */
export class IrcCommands {
  private readonly handlers: Map<string, Handler>;

  constructor(private readonly c: IrcConnection) {
    this.handlers = new Map<string, Handler>([
      ['PRIVMSG', (m) => this.say(m)],
      ['NOTICE', (m) => this.say(m)],
      ['TAGMSG', () => undefined],
      ['JOIN', (m) => this.join(m)],
      ['PART', (m) => this.part(m)],
      ['NAMES', (m) => this.names(m)],
      ['TOPIC', (m) => this.topic(m)],
      ['WHO', (m) => this.who(m)],
      ['WHOIS', (m) => this.whois(m)],
      ['LIST', (m) => this.list(m)],
      ['MODE', (m) => this.mode(m)],
      ['MOTD', () => c.send(motd(c.options.server, c.reply))],
      ['AWAY', (m) => this.away(m)],
      ['USERHOST', (m) => this.userhost(m)],
      ['ISON', (m) => this.ison(m)],
      ['NICK', (m) => this.nick(m)],
      ['USER', () => c.send(c.reply(Numeric.alreadyRegistered, 'You may not reregister'))],
      ['PASS', () => c.send(c.reply(Numeric.alreadyRegistered, 'You may not reregister'))],
      ['AUTHENTICATE', () => c.send(c.reply(Numeric.saslAlready, 'You have already authenticated'))],
    ]);
  }

  async run(m: IrcMessage): Promise<void> {
    const handler = this.handlers.get(m.command);
    if (!handler) return this.c.strike(this.c.reply(Numeric.unknownCommand, m.command, 'Unknown command'));
    try {
      if (!UNCOUNTED.has(m.command)) await this.c.options.chat.accounts.session(this.c.secret);
      await handler(m);
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      if (err.code === ErrorCode.invalidSession) return this.c.end('Your session ended');
      if (err.code !== ErrorCode.rateLimited) throw err;
      this.c.send(this.c.reply(Numeric.tryAgain, m.command, err.detail));
      // Answered late, as the API answers: a client that floods slows to the pace of its answers.
      await sleep(err.answerAfterMs);
    }
  }

  /** Commands run only once the client is signed in, when its channels exist. */
  private get feed(): ChannelFeed {
    if (!this.c.feed) throw new Error('not signed in');
    return this.c.feed;
  }

  /** The channel names of a JOIN or PART parameter that name rooms; the others are answered 403. */
  private roomIds(list: string): string[] {
    const ids: string[] = [];
    for (const name of list.split(',').filter((n) => n !== '')) {
      const id = roomIdOf(name);
      if (id === undefined) this.c.strike(this.c.reply(Numeric.noSuchChannel, name, 'No such channel'));
      else ids.push(id);
    }
    return ids;
  }

  private enough(m: IrcMessage, count: number): boolean {
    if (m.params.length >= count && m.params[count - 1] !== '') return true;
    this.c.strike(this.c.reply(Numeric.needMoreParams, m.command, 'Not enough parameters'));
    return false;
  }

  /** PRIVMSG or NOTICE to channels: a line said in each room. */
  private async say(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 2)) return;
    const [targets, raw] = m.params as [string, string];
    const text = spokenText(raw);
    for (const target of targets.split(',').filter((t) => t !== '')) {
      const roomId = roomIdOf(target);
      if (roomId === undefined) {
        if (m.command === 'PRIVMSG')
          c.strike(c.reply(Numeric.noSuchNick, target, 'Lingr has no private messages: talk in a room'));
        continue;
      }
      const ch = this.feed.channels.get(roomId);
      if (!ch) {
        c.strike(c.reply(Numeric.cannotSendToChan, target, `You are not in ${target}: JOIN it first`));
        continue;
      }
      if (text === undefined) continue;
      try {
        await c.options.chat.conversation.say(c.session, { room: ch.id, text });
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        c.send(c.reply(Numeric.cannotSendToChan, channelOf(ch.id), err.detail));
        if (err.code === ErrorCode.rateLimited) await sleep(err.answerAfterMs);
      }
    }
  }

  private async join(m: IrcMessage): Promise<void> {
    if (!this.enough(m, 1)) return;
    // `JOIN 0` parts every channel (RFC 2812); keys are not Lingr's, and are ignored.
    if (m.params[0] === '0') {
      for (const ch of [...this.feed.channels.values()]) await this.feed.part(ch.id, undefined);
      return;
    }
    await this.feed.join(this.roomIds(m.params[0] as string));
  }

  private async part(m: IrcMessage): Promise<void> {
    if (!this.enough(m, 1)) return;
    for (const id of this.roomIds(m.params[0] as string)) await this.feed.part(id, m.params[1]);
  }

  /** The room of a joined channel or one the user may see, or undefined (answered 403 already). */
  private async view(channel: string) {
    const c = this.c;
    const roomId = roomIdOf(channel);
    if (roomId !== undefined) {
      try {
        const [view] = await c.options.chat.conversation.showRooms(c.session, [roomId]);
        if (view) return view;
      } catch (err) {
        if (!(err instanceof ChatError) || err.code !== ErrorCode.notFound) throw err;
      }
    }
    c.strike(c.reply(Numeric.noSuchChannel, channel, 'No such channel'));
    return undefined;
  }

  private async names(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!m.params[0]) return c.send(c.reply(Numeric.endOfNames, '*', 'End of /NAMES list.'));
    for (const channel of m.params[0].split(',').filter((n) => n !== '')) {
      const view = await this.view(channel);
      if (view) c.send(namesOf(c.options.server, c.nick, view, c.caps.has('away-notify')));
    }
  }

  private async topic(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 1)) return;
    const channel = m.params[0] as string;
    if (m.params.length > 1)
      return c.strike(
        c.reply(Numeric.chanOpPrivsNeeded, channel, "A room's name and description are changed on the web"),
      );
    const view = await this.view(channel);
    if (view) c.send(topicOf(c.options.server, c.reply, c.options.render, view));
  }

  /** WHO #room (its members: H here, G gone, @ the owner) or WHO nick. */
  private async who(m: IrcMessage): Promise<void> {
    const c = this.c;
    const { server } = c.options;
    const mask = m.params[0] ?? '*';
    if (mask.startsWith('#')) {
      const view = await this.view(mask);
      if (view)
        c.send(
          view.members
            .map((v) =>
              whoLine(server, c.reply, mask, v.member.username, v.member.name, v.online, v.member.isOwner),
            )
            .join(''),
        );
    } else {
      const p = await c.options.chat.queries.person(mask, c.session.userId);
      if (p) c.send(whoLine(server, c.reply, '*', p.username, p.name, p.online, false));
    }
    c.send(c.reply(Numeric.endOfWho, mask, 'End of /WHO list.'));
  }

  private async whois(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 1)) return;
    // `WHOIS server nick` names the server first.
    const nick = (m.params[m.params.length - 1] as string).split(',')[0] as string;
    const p = await c.options.chat.queries.person(nick, c.session.userId);
    if (!p)
      return c.send(
        c.reply(Numeric.noSuchNick, nick, 'No such nick') +
          c.reply(Numeric.endOfWhois, nick, 'End of /WHOIS list.'),
      );
    c.send(whois(c.options.server, c.reply, p, c.options.now()));
  }

  /** LIST: the newest public rooms with their chatters; `LIST #a,#b` those rooms only. */
  private async list(m: IrcMessage): Promise<void> {
    const c = this.c;
    const { queries } = c.options.chat;
    const wanted = m.params[0]?.startsWith('#')
      ? m.params[0]
          .split(',')
          .map(roomIdOf)
          .filter((id): id is string => id !== undefined)
      : undefined;
    const rooms = await queries.listing(LIST_LIMIT);
    const shown = wanted
      ? rooms.filter((r) => wanted.some((w) => w.toLowerCase() === r.room.id.toLowerCase()))
      : rooms;
    c.send(list(c.reply, c.options.render, shown));
  }

  /** Channel modes are fixed (+nt, and +s for a private room); user modes are answered, never changed. */
  private async mode(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 1)) return;
    const target = m.params[0] as string;
    if (!target.startsWith('#')) {
      if (target.toLowerCase() !== c.nick.toLowerCase())
        return c.strike(c.reply(Numeric.usersDontMatch, "Can't change mode for other users"));
      if (m.params.length > 1 && m.params[1] !== '+i' && m.params[1] !== '+')
        return c.send(c.reply(Numeric.uModeUnknownFlag, 'Unknown MODE flag'));
      return c.send(c.reply(Numeric.umodeIs, '+i'));
    }
    const view = await this.view(target);
    if (!view) return;
    const change = m.params[1];
    if (change === undefined)
      return c.send(
        c.reply(Numeric.channelModeIs, target, view.room.isPublic ? '+nt' : '+nst') +
          c.reply(Numeric.creationTime, target, String(Math.floor(view.room.createdAt / 1000))),
      );
    // Asking for the ban list (clients do on join) is a question, not a change.
    if (/^[+]?b$/.test(change))
      return c.send(c.reply(Numeric.endOfBanList, target, 'End of channel ban list'));
    c.strike(c.reply(Numeric.chanOpPrivsNeeded, target, 'Rooms are managed on the web'));
  }

  /** AWAY :reason goes offline in Lingr; AWAY alone comes back. */
  private async away(m: IrcMessage): Promise<void> {
    const c = this.c;
    const going = m.params[0] !== undefined && m.params[0] !== '';
    await c.options.chat.accounts.setPresence(c.session, going ? 'offline' : 'online');
    c.send(
      going
        ? c.reply(Numeric.nowAway, 'You have been marked as being away')
        : c.reply(Numeric.unaway, 'You are no longer marked as being away'),
    );
  }

  private async userhost(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 1)) return;
    const found: string[] = [];
    for (const nick of m.params.slice(0, MAX_NICKS)) {
      const p = await c.options.chat.queries.person(nick, c.session.userId);
      if (p) found.push(`${p.username}=${p.online ? '+' : '-'}${p.username}@${USER_HOST}`);
    }
    c.send(c.reply(Numeric.userhost, found.join(' ')));
  }

  private async ison(m: IrcMessage): Promise<void> {
    const c = this.c;
    if (!this.enough(m, 1)) return;
    const nicks = m.params
      .join(' ')
      .split(' ')
      .filter((n) => n !== '')
      .slice(0, MAX_NICKS * 4);
    const online: string[] = [];
    for (const nick of nicks) {
      const p = await c.options.chat.queries.person(nick, c.session.userId);
      if (p?.online) online.push(p.username);
    }
    c.send(c.reply(Numeric.ison, online.join(' ')));
  }

  /** The nick is the username: asking for it again is fine, another one is refused. */
  private nick(m: IrcMessage): void {
    const c = this.c;
    const wanted = m.params[0];
    if (!wanted) return c.strike(c.reply(Numeric.noNicknameGiven, 'No nickname given'));
    if (wanted === c.nick) return;
    c.send(
      c.reply(
        Numeric.erroneusNickname,
        wanted,
        `Your nick is your Lingr username, ${c.nick}, and does not change`,
      ),
    );
  }
}
