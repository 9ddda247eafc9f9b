export * from './code';
export * from './terms';
export * from './trial-invite';
