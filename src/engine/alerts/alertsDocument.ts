import { z } from 'zod';
import { decodeVersionedJson, type StateDocument } from '../state/stateStore';
import { ALERT_KINDS, type Alert } from './alertTypes';

const ALERTS_FILE_NAME = 'alerts.json';
const ALERTS_FILE_VERSION = 1;

const alertsFileSchema = z.object({
  version: z.literal(ALERTS_FILE_VERSION),
  alerts: z.array(
    z.object({ id: z.string().min(1), kind: z.enum(ALERT_KINDS), provider: z.string().optional(), message: z.string(), since: z.number() }),
  ),
});

/** `{ "version": 1, "alerts": [Alert] }`: the alerts active when last evaluated, so they survive a restart while they hold. */
export const alertsDocument: StateDocument<Alert[]> = {
  name: ALERTS_FILE_NAME,
  label: 'active alerts',
  decode(bytes) {
    const decoded = decodeVersionedJson(bytes, ALERTS_FILE_VERSION, alertsFileSchema);
    return decoded.ok ? { ok: true, data: decoded.data.alerts } : decoded;
  },
  encode: (alerts) => JSON.stringify({ version: ALERTS_FILE_VERSION, alerts }, null, 2),
  empty: () => [],
};
