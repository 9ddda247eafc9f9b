export * from './types';
export * from './pipeline';
export * from './hash-chain';
