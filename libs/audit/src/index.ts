export * from './event-filter';
export * from './errors';
export * from './paged-reader';
export * from './stream-reader';
export * from './aggregate-registry';
export * from './as-of';
export * from './log-scan';
export * from './verify';
export * from './export';
export * from './replay-check';
export * from './replay-diff';
export { eventRef } from './replay-trace';
export * from './read-models-as-of';
export {
  verifyExportFiles,
  offlineCanonicalJson,
  offlineEventHash,
  type OfflineReport,
  type Discrepancy,
  type DiscrepancyKind,
} from './offline-verifier';
