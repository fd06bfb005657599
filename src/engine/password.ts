import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { rateLimited } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';

/** scrypt (memory-hard, built into Node via OpenSSL); the cost travels with each hash so it can rise later. */
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N, r: BLOCK_SIZE, p: PARALLELISM, maxmem: 256 * N * BLOCK_SIZE },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN);
  return `scrypt$${logN}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(logN));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Hashing and checking passwords, whoever asks. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
}

/** For the command line: one person, one hash at a time, no limit needed. */
export const plainHasher = (cost: number): PasswordHasher => ({
  hash: (password) => hashPassword(password, cost),
  verify: verifyPassword,
});

/**
 * For the server: a hash costs 64 MiB and a tenth of a second of a core, so at most `concurrency` run at
 * once and `queue` wait; anything beyond is refused at once with rate_limited, and a flood of sign-ins
 * can neither exhaust memory nor starve the event loop of a core.
 */
export class BoundedHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly cost: number,
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  get busy(): number {
    return this.running + this.waiting.length;
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => hashPassword(password, this.cost));
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.bounded(() => verifyPassword(password, stored));
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw rateLimited(phrase('serverBusy'));
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
