export * from './purchase-offer';
