export * from './funnel-definition';
export * from './funnel-vocabulary';
export * from './funnel-replay';
export * from './funnel-measures';
export * from './funnel-definitions.store';
export * from './report/model-comparison';
export * from './report/html-report';
