import { strict as assert } from 'node:assert';
import { afterSwitchHint } from '../../src/extension/playground/playgroundControl';
import { FAILURE_MODES } from '../emulator/playgroundFleet';

describe('playground: what the toast suggests after a failure switch', () => {
  it('promises a fallback only for the modes that get one', () => {
    for (const mode of ['down', 'slow', 'rate-limited']) assert.match(afterSwitchHint(mode), /watch the router fall back/, mode);
    assert.equal(afterSwitchHint('healthy'), '', 'nothing falls back from a healthy provider');
    assert.doesNotMatch(afterSwitchHint('cut-stream'), /fall back/);
    assert.match(afterSwitchHint('cut-stream'), /does not start over on another provider; the request fails and says so/);
  });

  it('knows every mode the playground offers', () => {
    assert.deepEqual(Object.keys(FAILURE_MODES).sort(), ['cut-stream', 'down', 'healthy', 'rate-limited', 'slow']);
  });
});
