import { describe, expect, it } from 'vitest';
import { channelSelector } from './channel-selector';

const ev = (country: string) => ({ headers: { country }, body: country });

describe('channelSelector', () => {
  it('replicating puts every event into every channel', () => {
    const out = channelSelector({ 'selector.type': 'replicating' }, ['c1', 'c2'])([ev('CN'), ev('US')]);
    expect([...out.keys()]).toEqual(['c1', 'c2']);
    expect(out.get('c2')!.map((e) => e.body)).toEqual(['CN', 'US']);
  });

  it('multiplexing routes by header value, with the default for unmapped values', () => {
    const select = channelSelector(
      { 'selector.type': 'multiplexing', 'selector.header': 'country', 'selector.mapping': { CN: ['c1'], US: ['c1', 'c2'] }, 'selector.default': ['c3'] },
      ['c1', 'c2', 'c3'],
    );
    const out = select([ev('CN'), ev('US'), ev('FR')]);
    expect(out.get('c1')!.map((e) => e.body)).toEqual(['CN', 'US']);
    expect(out.get('c2')!.map((e) => e.body)).toEqual(['US']);
    expect(out.get('c3')!.map((e) => e.body)).toEqual(['FR']);
  });

  it('multiplexing without a default sends unmapped events to every channel instead of dropping them', () => {
    const out = channelSelector({ 'selector.type': 'multiplexing', 'selector.header': 'country', 'selector.mapping': { CN: ['c1'] } }, ['c1', 'c2'])([ev('FR')]);
    expect([...out.keys()]).toEqual(['c1', 'c2']);
  });
});
