export * from './access';
export * from './terms';
export * from './commands';
