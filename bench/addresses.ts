/**
 * Source addresses for load processes: 127.0.0.2, 127.0.0.3, ... never reused within one run, so one
 * group's closing sockets (TIME_WAIT) never take the ports another group needs.
 */
export class Addresses {
  private next = 2;

  take = (): string => {
    // 127.0.0.0/8 is all loopback on Linux; skip .0 and .255 in the last byte.
    let n = this.next++;
    while (n % 256 === 0 || n % 256 === 255) n = this.next++;
    return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
}

export const addresses = new Addresses();
