import type { FileHandle } from 'node:fs/promises';
import type { FlumeEvent } from '../types';
import { EMPTY } from './file-bytes';
import { LineSplitter } from './line-splitter';

/**
 * Content of a file that a copytruncate cut away: its logical range, and where its bytes can still
 * be found, so positions inside it can be written and a restart can finish it from the copy.
 */
export interface PastContent {
  base: number;
  /** Logical offset where the next content starts. */
  end: number;
  copyPath?: string;
  /** The first bytes and the bytes before `readEnd` of that content: recognise a copy of it later. */
  head: Buffer;
  fp: Buffer;
  readEnd: number;
}

/**
 * One file, identified by device and inode (never by name), read as one stream of lines whose
 * logical offsets only grow: logical = base + physical position, and each copytruncate raises
 * `base` by the bytes the file held before it was cut.
 */
export class TailStream {
  fh: FileHandle | null = null;
  /** Last path it was seen at. */
  path: string;
  /** Last watched path it was seen at (what the file header says, also once rotated away). */
  watchedPath: string;
  group: string;
  /** No longer at a watched path (renamed away or deleted): read to the end, close once idle. */
  orphan = false;
  /** Closed for good; kept until its last offset is safe so the position file keeps it meanwhile. */
  done = false;

  base = 0;
  /** Physical position up to which bytes were read (the splitter holds any unterminated tail). */
  readPos = 0;
  /** Physical position just after the last complete line. */
  linePos = 0;
  /** The (up to 64) bytes before `readPos`: if they change, the file was cut and rewritten. */
  fp: Buffer = EMPTY;
  /** The first (up to 64) bytes of the current content: recognises copies of it. */
  head: Buffer = EMPTY;
  readonly splitter: LineSplitter;
  past: PastContent[] = [];
  /** Set while the rest of a cut content is read from its rotated copy. */
  copyPath?: string;

  /** Events at or below this logical offset were already delivered before a restart. */
  floor = -1;
  /** Highest logical offset known to be safe (delivered, or resumed from). */
  safe = 0;
  /** Events read but not yet handed to the channel (fewer than a batch). */
  batch: FlumeEvent[] = [];

  lastSize = -1;
  lastMtime = -1n;
  /** Largest size seen of the current content: what a truncation without a copy lost. */
  maxSize = 0;
  lastChange = Date.now();
  /** The last logical position whose fingerprints (hashes of the bytes before it and of the first bytes) were read and checked. */
  mark?: Mark;
  /** Being restored at a restart: until positioned, the position file keeps the entry it was loaded from. */
  restoring = false;

  constructor(
    readonly key: string,
    readonly dev: string,
    readonly ino: string,
    path: string,
    group: string,
    maxLineLength: number,
  ) {
    this.path = this.watchedPath = path;
    this.group = group;
    this.splitter = new LineSplitter(maxLineLength);
  }

  get id(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** Starts a new content at physical 0 (after a copytruncate), continuing the logical offsets at `base`. */
  restartAt(base: number): void {
    this.base = base;
    this.readPos = this.linePos = 0;
    this.fp = this.head = EMPTY;
    this.maxSize = 0;
    this.splitter.reset();
    this.mark = { at: base };
  }
}

export interface Mark {
  at: number;
  hash?: string;
  head?: string;
}

export const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
export const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** `access.log` → `access`: rotated copies are named access.log.1, access.log-20240101, access-20240101.log… */
export const stemOf = (name: string) => (name.indexOf('.') > 0 ? name.slice(0, name.indexOf('.')) : name);
