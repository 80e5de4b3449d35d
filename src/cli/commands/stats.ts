import type { MetricsWindow } from '../../engine/metrics/metricsTypes';
import { withEngine, type CliIo, type CommonOptions } from '../session';
import { formatStats } from '../statsText';

export async function runStats(opts: CommonOptions & { json: boolean; window: string }, io: CliIo): Promise<number> {
  return withEngine(opts, io, async (engine) => {
    const stats = await engine.stats(opts.window as MetricsWindow);
    io.stdout.write(opts.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats));
    return 0;
  });
}
