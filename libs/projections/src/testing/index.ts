export * from './events';
export * from './in-memory-read-model';
export * from './in-memory-event-store';
export * from './eventually';
