export * from './product-key';
