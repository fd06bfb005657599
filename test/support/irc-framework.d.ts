// The parts of irc-framework (which ships no types) that the IRC tests use.
declare module 'irc-framework' {
  export interface ClientOptions {
    host: string;
    port: number;
    nick: string;
    username: string;
    gecos: string;
    password: string;
    account: { account: string; password: string };
    tls: boolean;
    rejectUnauthorized: boolean;
    auto_reconnect: boolean;
    enable_echomessage: boolean;
    ping_interval: number;
    ping_timeout: number;
    message_max_length: number;
    sasl_disconnect_on_fail: boolean;
  }

  export class Client {
    constructor(options?: Partial<ClientOptions>);
    connect(options?: Partial<ClientOptions>): void;
    on(event: string, listener: (event: never) => void): this;
    once(event: string, listener: (event: never) => void): this;
    join(channel: string): void;
    part(channel: string, message?: string): void;
    say(target: string, message: string): void;
    notice(target: string, message: string): void;
    raw(line: string): void;
    quit(message?: string): void;
    whois(nick: string): void;
    list(...params: string[]): void;
    readonly user: { nick: string; away: boolean };
    readonly network: { cap: { enabled: string[] } };
    readonly connected: boolean;
  }
}
