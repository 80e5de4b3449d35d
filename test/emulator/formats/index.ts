import type { WireFormat } from '../wireFormat';
import { anthropicFormat } from './anthropic';
import { cohereFormat } from './cohere';
import { geminiFormat } from './gemini';
import { ollamaFormat } from './ollama';
import { openaiFormat } from './openai';

/** Every provider format the emulator serves; the first whose match() accepts a request answers it. */
export const wireFormats: WireFormat[] = [openaiFormat, anthropicFormat, geminiFormat, cohereFormat, ollamaFormat];
