export interface SettingsChanges {
  /** Written only where the file does not set the key. */
  defaults?: Record<string, unknown>;
  /** Always written. */
  updates?: Record<string, unknown>;
}
export function mergeSettingsText(text: string, changes?: SettingsChanges): string;
export function readSettingsFile(file: string): Record<string, unknown>;
export function mergeSettingsFile(file: string, changes: SettingsChanges): string | undefined;
