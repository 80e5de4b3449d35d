import { z } from 'zod';
import { decodeVersionedJson, type StateDocument } from '../state/stateStore';
import { QualityData } from './qualityData';
import { QUALITY_SIGNALS, type QualitySignal } from './qualitySignals';

const QUALITY_FILE_NAME = 'quality.json';
/** Bump when the layout changes; a file with another version is set aside. */
const QUALITY_FILE_VERSION = 1;

const weight = z.number().min(0).max(Number.MAX_VALUE);
// A signal this version does not know yet reads as 0, so an older file stays usable.
const signalsSchema = z.object(Object.fromEntries(QUALITY_SIGNALS.map((s) => [s, weight.default(0)])) as Record<QualitySignal, z.ZodDefault<typeof weight>>);

const fileSchema = z.object({
  version: z.literal(QUALITY_FILE_VERSION),
  /** `at`: epoch ms the weights are as of (see qualityData's decay). */
  cells: z.array(z.object({ provider: z.string(), model: z.string(), at: z.number(), signals: signalsSchema })),
});

/** `{ "version": 1, "cells": [{ provider, model, at, signals }] }`: the quality signals every window and the CLI add to. */
export const qualityDocument: StateDocument<QualityData> = {
  name: QUALITY_FILE_NAME,
  label: 'quality scores',
  decode(bytes) {
    const parsed = decodeVersionedJson(bytes, QUALITY_FILE_VERSION, fileSchema);
    if (!parsed.ok) return parsed;
    const data = new QualityData();
    for (const c of parsed.data.cells) data.restore({ ...c, signals: { ...c.signals } });
    return { ok: true, data };
  },
  encode: (data) => JSON.stringify({ version: QUALITY_FILE_VERSION, cells: [...data.cells.values()] }),
  empty: () => new QualityData(),
};
