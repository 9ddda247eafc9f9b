export * from './partner-of-record';
