export * from './shared/types';
export * from './shared/errors';
export * from './shared/command';
export * from './shared/time';
export * from './partner';
export { domainCommands } from './registry';
