/**
 * Regular expressions typed by users into node configs: compiled once when the config is checked,
 * with an error message that says what is wrong. Browser-safe (used by specs).
 */

export type UserRegex = { ok: true; regex: RegExp; groups: number } | { ok: false; message: string };

export function compileUserRegex(pattern: string, flags = ''): UserRegex {
  try {
    const regex = new RegExp(pattern, flags);
    // An alternative that matches the empty string reveals how many capture groups the pattern has.
    const groups = new RegExp(`${pattern}|`, flags).exec('')!.length - 1;
    return { ok: true, regex, groups };
  } catch (e) {
    return { ok: false, message: `is not a valid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
}
