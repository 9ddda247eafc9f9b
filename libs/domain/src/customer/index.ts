export * from './events';
export * from './state';
export * from './permissions';
export * from './validation';
export * from './users';
export * from './subscriptions';
