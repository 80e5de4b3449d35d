import { readFile } from 'node:fs/promises';
import { ChatInputError } from '../engine/chatInput/chatInputError';
import { imageMediaType } from '../engine/chatInput/imageType';
import { parseOpenAiMessages, parseResponseSchema, parseToolDefinitions, type ParsedConversation } from '../engine/chatInput/openaiMessages';
import type { ImagePart, ResponseFormat, ToolDefinition } from '../engine/types';
import { UsageError } from './exitCodes';

/** The files `ask` takes (--messages, --tools, --schema, --image), read and validated; bad input is a UsageError naming the flag, file and field. */

export function readMessagesFile(file: string): Promise<ParsedConversation> {
  return readJsonAs('--messages', file, (v) => parseOpenAiMessages(v));
}

export function readToolsFile(file: string): Promise<ToolDefinition[]> {
  return readJsonAs('--tools', file, (v) => parseToolDefinitions(v));
}

export function readSchemaFile(file: string): Promise<ResponseFormat> {
  return readJsonAs('--schema', file, (v) => parseResponseSchema(v));
}

/** An image part from a file, its type told by the file's first bytes (PNG, JPEG, GIF, WebP), never by its name. */
export async function readImageFile(file: string): Promise<ImagePart> {
  const bytes = await readBytes('--image', file);
  const mediaType = imageMediaType(bytes);
  if (!mediaType) throw new UsageError(`--image ${file}: not a PNG, JPEG, GIF or WebP image (judged by its content, not its name)`);
  return { type: 'image', source: { kind: 'base64', mediaType, data: bytes.toString('base64') } };
}

async function readJsonAs<T>(flag: string, file: string, parse: (value: unknown) => T): Promise<T> {
  const text = (await readBytes(flag, file)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof ChatInputError) throw new UsageError(`${flag} ${file}: ${err.message}`);
    throw err;
  }
}

async function readBytes(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message})`);
  }
}
