import * as vscode from 'vscode';
import { click, read } from './bridge';

// The notification center lists every notification. Toasts are not enough: the workbench pops up at
// most 3 per 800 ms and keeps the rest in the center only, and tests produce them faster than that.
const CENTER_ITEM = '.notifications-center .notification-list-item';

/** Opens the notification center and returns the text of the first notification containing `text`. */
export async function findNotification(text: string): Promise<string> {
  await vscode.commands.executeCommand('notifications.showList');
  const { texts } = await read({ selector: CENTER_ITEM, hasText: text });
  return texts.find((t) => t.includes(text)) ?? '';
}

/** Presses a button (e.g. Cancel, Allow) of the notification containing `text`, in the notification center. */
export async function pressNotificationButton(text: string, button: string): Promise<void> {
  await vscode.commands.executeCommand('notifications.showList');
  await click({ selector: `${CENTER_ITEM}:has-text(${JSON.stringify(text)}) .monaco-button:has-text(${JSON.stringify(button)})` });
}

export async function hideNotifications(): Promise<void> {
  await vscode.commands.executeCommand('notifications.hideList');
}
