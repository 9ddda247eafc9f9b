export * from './acquisition';
