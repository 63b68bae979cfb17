export * from './predictive-model';
export * from './logistic-regression';
export * from './lead-features';
