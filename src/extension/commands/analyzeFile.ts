import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analysisReport } from '../../engine/tasks/analysisReport';
import { buildAnalyzeRequest, FindingsFormatError, parseFindings, type Finding, type Severity } from '../../engine/tasks/analyzeFile';
import { findingRange } from '../../engine/tasks/findingRange';
import type { ChatResult } from '../../engine/types';
import { presentError } from '../presentError';
import { reportAttempts } from '../progressReporter';
import { FINDING_SOURCE, onFindingFixed } from '../review/fixFinding';
import { ReportPanel } from '../review/reportPanel';
import type { RouterHost } from '../routerHost';

export interface AnalyzeFileResult {
  findings: Finding[];
  provider: string;
  cached: boolean;
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Asks for findings about a whole file, marks them as diagnostics (each with a quick fix), and shows a short report beside it. */
export function registerAnalyzeFile(host: RouterHost): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('llmRouter');
  const reports = new ReportPanel();
  // Findings stay through edits until the next analysis, but go with the document, and one goes once its fix is applied.
  const onClose = vscode.workspace.onDidCloseTextDocument((d) => diagnostics.delete(d.uri));
  const onFixed = onFindingFixed(({ uri, message }) => {
    const marked = diagnostics.get(uri) ?? [];
    const at = marked.findIndex((d) => d.message === message);
    if (at >= 0) diagnostics.set(uri, marked.filter((_, i) => i !== at));
  });
  const command = vscode.commands.registerCommand('llmRouter.analyzeFile', (arg?: unknown) => analyzeFile(host, diagnostics, reports, arg));
  return vscode.Disposable.from(command, onClose, onFixed, diagnostics, reports);
}

async function analyzeFile(host: RouterHost, diagnostics: vscode.DiagnosticCollection, reports: ReportPanel, arg: unknown): Promise<AnalyzeFileResult | undefined> {
  try {
    const document = arg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(arg) : vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showWarningMessage('LLM Router: open a file to analyse, then run Analyze File.');
      return undefined;
    }
    const text = document.getText();
    const fileName = vscode.workspace.asRelativePath(document.uri, false);
    const request = buildAnalyzeRequest(fileName, text, document.languageId);
    const hash = createHash('sha256').update(text).digest('hex');
    const tag = await host.invalidateFileCache(cacheIdentity(document.uri), hash);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `LLM Router: analysing ${path.posix.basename(document.uri.path)}`, cancellable: true },
      (progress, token) => host.run(request, { token, cacheTags: [tag], onAttempt: reportAttempts(progress) }),
    );
    const lines = text.split(/\r?\n/);
    let findings: Finding[];
    try {
      findings = parseFindings(result.text, lines.length);
    } catch (err) {
      if (!(err instanceof FindingsFormatError)) throw err;
      host.recordVerdict({ provider: result.provider, model: result.model, verdict: 'unparsedFindings' });
      // Otherwise the next run would be answered with the same unusable text from the cache.
      await host.invalidateCache(tag);
      reportFormatError(host, result, err);
      return undefined;
    }
    diagnostics.set(
      document.uri,
      findings.map((f) => toDiagnostic(f, lines)),
    );
    showReport(reports, document, fileName, result, findings);
    return { findings, provider: result.provider, cached: result.cached };
  } catch (err) {
    // Not awaited: the message waits for the user, and callers (tests included) should not.
    void presentError('Analyze File', err);
    return undefined;
  }
}

/** The path the cache knows the file by; documents without one (untitled, virtual) by their URI. */
function cacheIdentity(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

function toDiagnostic(f: Finding, lines: string[]): vscode.Diagnostic {
  const span = findingRange(f, (i) => lines[i] ?? '');
  const range = new vscode.Range(span.startLine, span.startCharacter, span.endLine, span.endCharacter);
  const diagnostic = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  diagnostic.source = FINDING_SOURCE;
  return diagnostic;
}

function reportFormatError(host: RouterHost, result: ChatResult, err: FindingsFormatError): void {
  host.channel.warn(`Analyze File: ${result.provider} (${result.model}) answered in an unexpected format: ${err.message}`);
  void vscode.window
    .showErrorMessage(
      `LLM Router: Analyze File: ${result.provider} (${result.model}) did not answer with findings in the expected format, so nothing was marked. Run it again, or try another provider.`,
      'Show Log',
    )
    .then((choice) => choice && host.channel.show(true));
}

function showReport(reports: ReportPanel, document: vscode.TextDocument, fileName: string, result: ChatResult, findings: Finding[]): void {
  const body = analysisReport({
    fileName,
    provider: result.provider,
    model: result.model,
    cached: result.cached,
    costUsd: result.costUsd,
    findings,
    lineLink: (line) => ReportPanel.lineLink(document.uri, line),
  });
  reports.show(`Analysis of ${path.posix.basename(document.uri.path) || 'untitled'}`, body);
}
