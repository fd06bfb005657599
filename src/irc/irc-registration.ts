import { ChatError } from '../core/chat-error.js';
import type { Accounts } from '../engine/accounts.js';
import type { SignedIn } from '../engine/session-registry.js';
import { ErrorCode } from '../protocol/errors.js';
import { plainCredentials, type Capabilities } from './irc-capabilities.js';
import { formatLine, type IrcMessage } from './irc-message.js';
import { maskOf } from './irc-render.js';
import type { Reply } from './irc-replies.js';
import { Numeric } from './numerics.js';

/** Lines a client may send before it has signed in. */
const MAX_LINES = 64;
/** SASL PLAIN's message comes in pieces of 400 base64 characters (IRCv3 sasl-3.1); it is never this long. */
const SASL_PIECE = 400;
const SASL_MAX = 2048;
/** What a nick may look like here: usernames are letters, digits and `_`, and clients may ask for more. */
const NICK = /^[A-Za-z0-9_\-[\]\\`^{|}]{1,40}$/;

/** What registration needs of its connection. */
export interface RegistrationHost {
  readonly caps: Capabilities;
  readonly address: string;
  /** The connection closed (a sign-in that finishes after that is ended at once). */
  readonly gone: boolean;
  /** The nick replies are addressed to: the one the client asked for, until it is signed in. */
  nick: string;
  readonly reply: Reply;
  send(lines: string): void;
  strike(lines: string): void;
  end(reason: string): void;
}

/** A client signed in and registered: its session, and the nick it had asked for. */
export interface Registered {
  signedIn: SignedIn;
  requestedNick: string;
}

/**
 * Signing in, before anything else: `PASS` + `NICK` + `USER`, or SASL PLAIN after `CAP REQ :sasl`, through
 * `Accounts.login` (the web's sign-in, its guard and its limits). Registration completes once NICK and USER
 * came and CAP negotiation, if any, ended; a wrong or missing password is `464` and the connection closes.
 */
export class Registration {
  /** Signed in by SASL before registration completed (the connection ends it if it goes first). */
  signedIn: SignedIn | undefined;
  private lines = 0;
  private password: string | undefined;
  private requestedNick: string | undefined;
  private userGiven = false;
  private sasl: string | undefined;
  private done = false;

  constructor(
    private readonly host: RegistrationHost,
    private readonly accounts: Accounts,
  ) {}

  /** A command before registration; resolves with the sign-in when this one completed it. */
  async handle(m: IrcMessage): Promise<Registered | undefined> {
    const host = this.host;
    if (++this.lines > MAX_LINES) return void host.end('Too many lines before signing in');
    const [first] = m.params;
    switch (m.command) {
      case 'PASS':
        if (first === undefined)
          return void host.strike(host.reply(Numeric.needMoreParams, 'PASS', 'Not enough parameters'));
        this.password = first;
        return undefined;
      case 'NICK':
        if (!first) return void host.strike(host.reply(Numeric.noNicknameGiven, 'No nickname given'));
        if (!NICK.test(first))
          return void host.strike(host.reply(Numeric.erroneusNickname, first, 'Erroneous nickname'));
        this.requestedNick = first;
        if (!this.signedIn) host.nick = first;
        return this.ready();
      case 'USER':
        if (m.params.length < 4)
          return void host.strike(host.reply(Numeric.needMoreParams, 'USER', 'Not enough parameters'));
        this.userGiven = true;
        return this.ready();
      case 'AUTHENTICATE':
        return this.authenticate(first);
      default:
        return void host.strike(host.reply(Numeric.notRegistered, 'You have not registered'));
    }
  }

  /** Completes registration if everything it waits for came (CAP END calls it too). */
  async ready(): Promise<Registered | undefined> {
    const host = this.host;
    if (this.done || host.caps.negotiating || this.requestedNick === undefined || !this.userGiven) return;
    if (!this.signedIn) {
      if (this.password === undefined)
        return this.refuse('Password required: PASS your Lingr password, or SASL');
      try {
        this.signedIn = this.adopt(
          await this.accounts.login(this.requestedNick, this.password, null, host.address),
        );
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        return this.refuse(err.code === ErrorCode.invalidUserCredentials ? 'Password incorrect' : err.detail);
      }
      if (!this.signedIn) return;
    }
    this.password = undefined;
    this.done = true;
    return { signedIn: this.signedIn, requestedNick: this.requestedNick };
  }

  /** SASL PLAIN (IRCv3 sasl-3.1): `AUTHENTICATE PLAIN`, `+`, then the credentials in 400-character pieces. */
  private async authenticate(arg: string | undefined): Promise<Registered | undefined> {
    const host = this.host;
    if (arg === undefined)
      return void host.strike(host.reply(Numeric.needMoreParams, 'AUTHENTICATE', 'Not enough parameters'));
    if (this.signedIn)
      return void host.send(host.reply(Numeric.saslAlready, 'You have already authenticated'));
    if (!host.caps.has('sasl'))
      return void host.strike(host.reply(Numeric.saslFail, 'SASL was not requested (CAP REQ :sasl)'));
    if (arg === '*') {
      this.sasl = undefined;
      return void host.send(host.reply(Numeric.saslAborted, 'SASL authentication aborted'));
    }
    if (this.sasl === undefined) {
      if (arg.toUpperCase() !== 'PLAIN')
        return void host.strike(
          host.reply(Numeric.saslMechs, 'PLAIN', 'are available SASL mechanisms') +
            host.reply(Numeric.saslFail, 'SASL authentication failed'),
        );
      this.sasl = '';
      return void host.send(formatLine(undefined, 'AUTHENTICATE', ['+']));
    }
    const piece = arg === '+' ? '' : arg;
    if (piece.length > SASL_PIECE || this.sasl.length + piece.length > SASL_MAX) {
      this.sasl = undefined;
      return void host.strike(host.reply(Numeric.saslTooLong, 'SASL message too long'));
    }
    this.sasl += piece;
    if (piece.length === SASL_PIECE) return;
    const credentials = plainCredentials(this.sasl);
    this.sasl = undefined;
    if (!credentials) return void host.strike(host.reply(Numeric.saslFail, 'SASL authentication failed'));
    try {
      this.signedIn = this.adopt(
        await this.accounts.login(credentials.username, credentials.password, null, host.address),
      );
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      return void host.strike(host.reply(Numeric.saslFail, `SASL authentication failed: ${err.detail}`));
    }
    if (!this.signedIn) return;
    const { username } = this.signedIn.session;
    host.send(
      host.reply(Numeric.loggedIn, maskOf(username), username, `You are now logged in as ${username}`) +
        host.reply(Numeric.saslSuccess, 'SASL authentication successful'),
    );
    return this.ready();
  }

  /** A session just signed in, unless the client went away meanwhile (then it ends at once). */
  private adopt(signedIn: SignedIn): SignedIn | undefined {
    if (!this.host.gone) return signedIn;
    void this.accounts.destroy(signedIn.secret).catch(() => undefined);
    return undefined;
  }

  /** A wrong or missing password: 464, then ERROR, and the connection closes. */
  private refuse(reason: string): undefined {
    this.host.send(this.host.reply(Numeric.passwdMismatch, reason));
    this.host.end(reason);
    return undefined;
  }
}
