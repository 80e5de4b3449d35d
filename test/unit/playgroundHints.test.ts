import { strict as assert } from 'node:assert';
import { afterSwitchHint } from '../../src/extension/playground/playgroundControl';
import { FAILURE_MODES } from '../emulator/playgroundFleet';

describe('playground: what the toast suggests after a failure switch', () => {
  it('promises a fallback for the modes that get one, and says how a cut stream starts over', () => {
    for (const mode of ['down', 'slow', 'rate-limited']) assert.match(afterSwitchHint(mode), /watch the router fall back/, mode);
    assert.equal(afterSwitchHint('healthy'), '', 'nothing falls back from a healthy provider');
    assert.match(afterSwitchHint('cut-stream'), /the diff starts over on the next provider/);
  });

  it('knows every mode the playground offers', () => {
    assert.deepEqual(Object.keys(FAILURE_MODES).sort(), ['cut-stream', 'down', 'healthy', 'rate-limited', 'slow']);
  });
});
