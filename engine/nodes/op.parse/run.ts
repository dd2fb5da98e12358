import type { Operator } from '../../processor/operator';
import { ParseError } from '../../processor/parse/fields';
import { createLineParser } from '../../processor/parse/formats';
import { deadLetter, type DeadLetter, type RawRecord, type Visit } from '../../processor/records';
import type { NodeRef } from '../../spec/plan';
import { parseSpec } from './spec';

export function createParse(node: NodeRef): Operator {
  // compile() parsed the config already; parsing again fills the defaults for callers that did not
  // (preview, tests) and compiles the formats once, here, rather than per line.
  const config = parseSpec.config.parse(node.config ?? {});
  const parseLine = createLineParser(config);
  const maxLength = config.maxLineLength;
  const maxAheadMs = config.maxFutureSkewSec * 1000;
  const maxBehindMs = config.maxAgeDays * 86_400_000;
  const describe = config.format === 'custom' ? `custom format ${config.logFormat}` : `${config.format} format`;

  return {
    process(input) {
      const out: Visit[] = [];
      const dead: DeadLetter[] = [];
      for (let i = 0; i < input.length; i++) {
        const rec = input[i] as RawRecord;
        try {
          const line = rec.value;
          if (typeof line !== 'string') {
            dead.push(deadLetter(node.id, 'unparseable_line', `record has no text value (${describe}); a tombstone or not a log line`, line ?? null, rec));
            continue;
          }
          if (line.length > maxLength) {
            dead.push(deadLetter(node.id, 'line_too_long', `line is ${line.length} characters, more than maxLineLength ${maxLength}`, line, rec));
            continue;
          }
          const visit = parseLine(line);
          if (visit instanceof ParseError) {
            dead.push(deadLetter(node.id, visit.code, visit.reason, line, rec));
            continue;
          }
          // Judged against the record's own append time, not the clock, so a replay decides alike.
          const appended = rec.timestamp;
          if (appended > 0 && (visit.ts - appended > maxAheadMs || appended - visit.ts > maxBehindMs)) {
            const ahead = visit.ts > appended;
            const reason = `event time ${iso(visit.ts)} is ${ahead ? 'after' : 'before'} the record's append time ${iso(appended)} by more than ${ahead ? `maxFutureSkewSec ${config.maxFutureSkewSec}` : `maxAgeDays ${config.maxAgeDays}`}`;
            dead.push(deadLetter(node.id, 'timestamp_out_of_range', reason, line, rec));
            continue;
          }
          out.push(visit);
        } catch (e) {
          // A parser bug must cost one record, not the batch (same code as processor/isolate.ts uses).
          const where = rec !== null && typeof rec === 'object' ? rec : undefined;
          dead.push(deadLetter(node.id, 'operator_error', `unexpected error while parsing (${describe}): ${(e as Error)?.message ?? String(e)}`, where?.value ?? null, where));
        }
      }
      return { out, dead };
    },
  };
}

const iso = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
