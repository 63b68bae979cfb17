export * from './funnel-definition';
export * from './funnel-vocabulary';
export * from './funnel-replay';
export * from './funnel-measures';
export * from './funnel-definitions.store';
