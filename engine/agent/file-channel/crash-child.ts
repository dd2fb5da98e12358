/**
 * Child process of kill9.test.ts: opens the channel in argv[2] and puts numbered events from
 * argv[3] on while taking and committing, until it is killed. Every step is printed (synchronously)
 * before and after it becomes durable, so the parent knows what was acknowledged:
 *   P a b   put of a..b-1 begins        A a b   that put is acknowledged
 *   T k ids take k returned these ids   C k     take k committed      R k   take k rolled back
 */
import { writeSync } from 'node:fs';
import { crashOptions } from './crash-options';
import { channelIn } from './test-support';

const say = (line: string) => writeSync(1, `${line}\n`);
const [dir, start] = [process.argv[2], Number(process.argv[3])];
setTimeout(() => process.exit(3), 15_000); // never outlive a parent that died

const ch = channelIn(dir, crashOptions);
await ch.open();
say('READY');
const rand = (n: number) => 1 + Math.floor(Math.random() * n);

let next = start;
const producer = async () => {
  for (;;) {
    const a = next;
    const b = (next += rand(20));
    say(`P ${a} ${b}`);
    await ch.put(Array.from({ length: b - a }, (_, i) => ({ headers: { n: String(a + i) }, body: `event ${a + i} ${'x'.repeat(rand(200))}`, origin: { key: 'crash|1', offset: a + i + 1 } })));
    say(`A ${a} ${b}`);
  }
};
const consumer = async () => {
  for (let k = 0; ; k++) {
    const t = await ch.take(rand(30), 20);
    if (!t.events.length) continue;
    say(`T ${k} ${t.events.map((e) => e.headers.n).join(' ')}`);
    if (Math.random() < 0.1) {
      await t.rollback();
      say(`R ${k}`);
    } else {
      await t.commit();
      say(`C ${k}`);
    }
  }
};
await Promise.all([producer(), consumer()]);
