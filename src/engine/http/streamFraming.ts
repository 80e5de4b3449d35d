import { createParser } from 'eventsource-parser';
import type { FramedEvent } from '../providers/adapter';

export interface FrameSplitter {
  /** Feeds decoded text; calls the sink once per complete frame. */
  feed(text: string): void;
  /** Flushes a trailing frame that had no terminator (an NDJSON last line without '\n'). */
  end(): void;
}

export function createSseSplitter(sink: (ev: FramedEvent) => void): FrameSplitter {
  const parser = createParser({
    onEvent: (msg) => sink(msg.event ? { event: msg.event, data: msg.data } : { data: msg.data }),
  });
  return { feed: (text) => parser.feed(text), end: () => parser.reset({ consume: true }) };
}

export function createNdjsonSplitter(sink: (ev: FramedEvent) => void): FrameSplitter {
  let buffered = '';
  const emit = (line: string) => {
    const trimmed = line.trim();
    if (trimmed !== '') sink({ data: trimmed });
  };
  return {
    feed(text) {
      buffered += text;
      let nl = buffered.indexOf('\n');
      while (nl !== -1) {
        emit(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    },
    end() {
      emit(buffered);
      buffered = '';
    },
  };
}
