// The language model chat provider API, stable since VS Code 1.104 (vscode.d.ts; LanguageModelDataPart in the
// response and input unions since 1.105+). Declared here because the extension builds against @types/vscode 1.90
// (its engines.vscode floor, which vsce checks): these shapes are only reached through lmApi() after it has
// checked at runtime that the running VS Code has them.
import type { CancellationToken, Disposable, Event, LanguageModelChatMessageRole, Progress } from 'vscode';

export interface LanguageModelTextPart {
  value: string;
}

export interface LanguageModelToolCallPart {
  callId: string;
  name: string;
  input: object;
}

export interface LanguageModelToolResultPart {
  callId: string;
  content: unknown[];
}

export interface LanguageModelDataPart {
  mimeType: string;
  data: Uint8Array;
}

export type LanguageModelResponsePart = LanguageModelTextPart | LanguageModelToolCallPart | LanguageModelDataPart;

export interface LanguageModelChatCapabilities {
  readonly imageInput?: boolean;
  /** A number is the most tools one request may carry. */
  readonly toolCalling?: boolean | number;
}

export interface LanguageModelChatInformation {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly tooltip?: string;
  readonly detail?: string;
  readonly version: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: LanguageModelChatCapabilities;
}

export interface LanguageModelChatRequestMessage {
  /** User = 1, Assistant = 2; Copilot Chat also sends System = 3 (proposed API). */
  readonly role: LanguageModelChatMessageRole | number;
  readonly content: ReadonlyArray<unknown>;
  readonly name: string | undefined;
}

export interface LanguageModelChatTool {
  name: string;
  description: string;
  inputSchema?: object;
}

/** Auto = 1, Required = 2. */
export type LanguageModelChatToolMode = number;

export interface ProvideLanguageModelChatResponseOptions {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly LanguageModelChatTool[];
  readonly toolMode: LanguageModelChatToolMode;
}

export interface PrepareLanguageModelChatModelOptions {
  readonly silent: boolean;
}

export interface LanguageModelChatProvider<T extends LanguageModelChatInformation = LanguageModelChatInformation> {
  readonly onDidChangeLanguageModelChatInformation?: Event<void>;
  provideLanguageModelChatInformation(options: PrepareLanguageModelChatModelOptions, token: CancellationToken): T[] | Thenable<T[]>;
  provideLanguageModelChatResponse(
    model: T,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: Progress<LanguageModelResponsePart>,
    token: CancellationToken,
  ): Thenable<void>;
  provideTokenCount(model: T, text: string | LanguageModelChatRequestMessage, token: CancellationToken): Thenable<number>;
}

/** What lmApi() hands out: the parts of the `vscode` module this API adds. */
export interface LanguageModelProviderApi {
  registerLanguageModelChatProvider(vendor: string, provider: LanguageModelChatProvider): Disposable;
  LanguageModelTextPart: new (value: string) => LanguageModelTextPart;
  LanguageModelToolCallPart: new (callId: string, name: string, input: object) => LanguageModelToolCallPart;
  /** 1.105+: where the answer's token usage goes (tokenUsagePart.ts). */
  LanguageModelDataPart?: new (data: Uint8Array, mimeType: string) => LanguageModelDataPart;
}

/** What calling another vendor's models with tools needs beyond @types/vscode 1.90 (stable since 1.95; data parts 1.105+). */
export interface LanguageModelCallerApi {
  LanguageModelTextPart: new (value: string) => LanguageModelTextPart;
  LanguageModelToolCallPart: new (callId: string, name: string, input: object) => LanguageModelToolCallPart;
  LanguageModelToolResultPart: new (callId: string, content: unknown[]) => LanguageModelToolResultPart;
  LanguageModelDataPart?: { image(data: Uint8Array, mimeType: string): LanguageModelDataPart };
  LanguageModelChatMessage: { User(content: unknown[]): unknown; Assistant(content: unknown[]): unknown };
}

export interface LanguageModelChatWithTools {
  readonly id: string;
  readonly vendor: string;
  readonly family: string;
  sendRequest(
    messages: unknown[],
    options: { justification?: string; tools?: LanguageModelChatTool[]; toolMode?: LanguageModelChatToolMode; modelOptions?: Record<string, unknown> },
    token: CancellationToken,
  ): Thenable<{ stream: AsyncIterable<unknown> }>;
}
