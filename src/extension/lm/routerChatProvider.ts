import * as vscode from 'vscode';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../../engine/errors';
import type { ToolCall } from '../../engine/types';
import type { RouterHost } from '../routerHost';
import type {
  LanguageModelChatInformation,
  LanguageModelChatProvider,
  LanguageModelChatRequestMessage,
  LanguageModelProviderApi,
  LanguageModelResponsePart,
  ProvideLanguageModelChatResponseOptions,
} from './languageModelApi';
import { estimateTokens, toChatRequest } from './lmMessages';
import { routerChatModels, type RouterChatModel } from './routerChatModels';
import { TOKEN_USAGE_MIME, tokenUsageBytes } from './tokenUsagePart';

type ChatInformation = LanguageModelChatInformation & Pick<RouterChatModel, 'onlyProviders'>;

/** Our models in VS Code's model list (Copilot Chat's picker, vscode.lm.selectChatModels); requests go through the router. */
export class RouterChatProvider implements LanguageModelChatProvider<ChatInformation> {
  constructor(
    private readonly host: RouterHost,
    private readonly api: LanguageModelProviderApi,
    readonly onDidChangeLanguageModelChatInformation: vscode.Event<void>,
  ) {}

  provideLanguageModelChatInformation(): ChatInformation[] {
    return routerChatModels(this.host.config);
  }

  async provideLanguageModelChatResponse(
    model: ChatInformation,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const req = { ...toChatRequest(messages, options), purpose: 'chat-model' };
    let streamedText = false;
    const reported = new Set<string>();
    const reportCall = (call: ToolCall) => {
      if (reported.has(call.id)) return;
      reported.add(call.id);
      progress.report(new this.api.LanguageModelToolCallPart(call.id, call.name, call.arguments));
    };
    try {
      const result = await this.host.run(req, {
        token,
        onlyProviders: model.onlyProviders,
        onText: (delta) => {
          streamedText = true;
          progress.report(new this.api.LanguageModelTextPart(delta));
        },
        onToolCall: reportCall,
      });
      // A cached answer arrives whole.
      if (!streamedText && result.text) progress.report(new this.api.LanguageModelTextPart(result.text));
      result.toolCalls.forEach(reportCall);
      if (this.api.LanguageModelDataPart) progress.report(new this.api.LanguageModelDataPart(tokenUsageBytes(result.usage), TOKEN_USAGE_MIME));
    } catch (err) {
      if (token.isCancellationRequested || err instanceof CancelledError) throw new vscode.CancellationError();
      throw new Error(failureMessage(err));
    }
  }

  async provideTokenCount(_model: ChatInformation, text: string | LanguageModelChatRequestMessage): Promise<number> {
    return estimateTokens(text);
  }
}

/** What the chat view shows when no provider could answer: the attempts, and where to fix them. */
function failureMessage(err: unknown): string {
  if (err instanceof AllProvidersFailedError || err instanceof BudgetExceededError) return `LLM Router: ${err.message} (LLM Router: Show Log has every attempt.)`;
  return `LLM Router: ${err instanceof Error ? err.message : String(err)}`;
}
