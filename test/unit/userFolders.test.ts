import assert from 'node:assert/strict';
import { userFolders } from '../../src/engine/state/userFolders';

describe('userFolders: where the user state and the CLI cache live', () => {
  it('on Linux follows XDG: spend in $XDG_STATE_HOME, the cache in $XDG_CACHE_HOME', () => {
    assert.deepEqual(userFolders({ XDG_STATE_HOME: '/s', XDG_CACHE_HOME: '/c' }, 'linux', '/home/u'), { state: '/s/llm-router', cache: '/c/llm-router' });
  });

  it('on Linux falls back to ~/.local/state and ~/.cache, also for a relative XDG value (invalid by the spec)', () => {
    const expected = { state: '/home/u/.local/state/llm-router', cache: '/home/u/.cache/llm-router' };
    assert.deepEqual(userFolders({}, 'linux', '/home/u'), expected);
    assert.deepEqual(userFolders({ XDG_STATE_HOME: 'rel', XDG_CACHE_HOME: '' }, 'linux', '/home/u'), expected);
  });

  it('on macOS uses Application Support (a State folder beside the CLI config) for state and Caches for the cache', () => {
    assert.deepEqual(userFolders({}, 'darwin', '/Users/u'), { state: '/Users/u/Library/Application Support/llm-router/State', cache: '/Users/u/Library/Caches/llm-router' });
  });

  it('on Windows uses %LOCALAPPDATA%\\llm-router\\State and \\Cache', () => {
    assert.deepEqual(userFolders({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), {
      state: 'C:\\Users\\u\\AppData\\Local\\llm-router\\State',
      cache: 'C:\\Users\\u\\AppData\\Local\\llm-router\\Cache',
    });
  });

  it('never puts spend in the cache folder', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const f = userFolders({}, platform, '/h');
      assert.notEqual(f.state, f.cache, platform);
    }
  });
});
