export * from './lead.events';
export * from './lead.status';
