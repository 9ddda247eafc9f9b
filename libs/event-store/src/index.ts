export * from './types';
export * from './errors';
export * from './metadata';
export * from './sqlite/sqlite-event-store';
export * from './postgres/postgres-event-store';
export * from './config-error';
export * from './factory';
