import { createHash } from 'node:crypto';

/**
 * A default icon drawn from the name: a symmetric 5×5 pattern in a colour of its own, as SVG, so
 * nothing is ever loaded from another site.
 */
export function identicon(name: string): string {
  const hash = createHash('sha256').update(name).digest();
  const hue = ((hash[0] as number) * 360) / 256;
  const cells: string[] = [];
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 3; x++) {
      if (((hash[1 + y * 3 + x] as number) & 1) === 0) continue;
      for (const cx of x === 2 ? [2] : [x, 4 - x])
        cells.push(`<rect x="${cx + 1}" y="${y + 1}" width="1" height="1"/>`);
    }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges">` +
    `<rect width="7" height="7" fill="hsl(${hue.toFixed(0)} 40% 94%)"/>` +
    `<g fill="hsl(${hue.toFixed(0)} 55% 45%)">${cells.join('')}</g></svg>`
  );
}
