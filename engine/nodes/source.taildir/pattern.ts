/**
 * A taildir file group's path: an absolute directory, then a file-name pattern. As in Flume, only
 * the file name may be a pattern and it is a (Java-style, here JavaScript) regular expression that
 * must match the whole name: `/var/log/nginx/access\.log`, `/var/log/app/.*\.log`. A `glob:` prefix
 * on the name takes a shell glob instead (`/var/log/app/glob:*.log`), like Java's PathMatcher.
 * Browser-safe: the spec validates with it and the source matches with it.
 */

export type FilegroupPath =
  | { ok: true; dir: string; name: string; matches(fileName: string): boolean }
  | { ok: false; message: string };

/** Characters that make a directory look like a pattern (Flume reads the directory literally). */
const DIR_PATTERN_CHARS = /[*?[\]{}()|^$+\\]/;

export function parseFilegroupPath(path: string): FilegroupPath {
  if (!path.startsWith('/')) {
    return { ok: false, message: `"${path}" is not absolute: write the full path, e.g. /var/log/nginx/access\\.log` };
  }
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const name = path.slice(slash + 1);
  if (!name) return { ok: false, message: `"${path}" ends with "/": add the file name (or a pattern for it), e.g. ${path}.*\\.log` };
  if (DIR_PATTERN_CHARS.test(dir)) {
    return { ok: false, message: `"${dir}" (the directory) contains pattern characters: only the file name may be a pattern; use one file group per directory` };
  }
  let source: string;
  if (name.startsWith('glob:')) {
    const glob = name.slice('glob:'.length);
    if (!glob) return { ok: false, message: `"${path}": write a glob after "glob:", e.g. glob:*.log` };
    source = globToRegex(glob);
  } else {
    source = name;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`);
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
    return {
      ok: false,
      message: `the file-name pattern "${name}" is not a valid regular expression (${why}); escape "." as "\\." or prefix a shell glob with "glob:", e.g. glob:*.log`,
    };
  }
  return { ok: true, dir, name, matches: (fileName) => regex.test(fileName) };
}

function globToRegex(glob: string): string {
  let out = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (inClass) {
      if (c === ']') inClass = false;
      out += c === '\\' ? '\\\\' : c;
      continue;
    }
    switch (c) {
      case '*':
        out += '[^/]*';
        break;
      case '?':
        out += '[^/]';
        break;
      case '[':
        inClass = true;
        out += glob[i + 1] === '!' ? (i++, '[^') : '[';
        break;
      case '{':
        braces++;
        out += '(?:';
        break;
      case '}':
        out += braces > 0 ? (braces--, ')') : '\\}';
        break;
      case ',':
        out += braces > 0 ? '|' : ',';
        break;
      default:
        out += /[.+^$()|\\/]/.test(c) ? `\\${c}` : c;
    }
  }
  return out;
}
