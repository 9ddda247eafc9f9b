export * from './events';
export * from './state';
export * from './permissions';
export * from './commands';
