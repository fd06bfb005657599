import { readFileSync } from 'node:fs';

/** `Lingr/<version> (+bots)`, so a bot's logs say which server called it. */
export function defaultUserAgent(): string {
  const version = lingrVersion();
  return version ? `Lingr/${version} (+bots)` : 'Lingr (+bots)';
}

/** The version in Lingr's package.json, found walking up from this file (it runs from src/ or dist/src/). */
export function lingrVersion(): string | undefined {
  let dir = new URL('./', import.meta.url);
  for (let depth = 0; depth < 5; depth++) {
    const found = versionIn(new URL('package.json', dir));
    if (found) return found;
    dir = new URL('../', dir);
  }
  return undefined;
}

function versionIn(file: URL): string | undefined {
  try {
    const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof pkg !== 'object' || pkg === null) return undefined;
    const { name, version } = pkg as { name?: unknown; version?: unknown };
    return name === 'lingr' && typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
