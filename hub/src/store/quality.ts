/** Quality as stored (the wire enum's numbers) and as the API names it. */
import { Quality } from '@davy/proto';
import type { QualityName } from './store.js';

export function qualityName(stored: number): QualityName {
  return stored === Quality.QUALITY_GOOD ? 'good' : stored === Quality.QUALITY_UNCERTAIN ? 'uncertain' : 'bad';
}

export function isKnownQuality(value: number): boolean {
  return value === Quality.QUALITY_GOOD || value === Quality.QUALITY_UNCERTAIN || value === Quality.QUALITY_BAD;
}
