import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gatewayError';

function tooLarge(max: number): GatewayError {
  return new GatewayError('too_large', `The request body is larger than gateway.maxBodyBytes (${max} bytes); send less or raise the setting.`);
}

/** Reads the body up to `max` bytes; stops reading (413) as soon as the declared or received size exceeds it. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The body as JSON; a 400 when it is not. */
export async function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  const raw = await readBody(req, max);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError('invalid_request', 'The request body is not valid JSON.');
  }
}
