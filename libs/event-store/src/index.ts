export * from './types';
export * from './errors';
export * from './metadata';
export * from './sqlite/sqlite-event-store';
