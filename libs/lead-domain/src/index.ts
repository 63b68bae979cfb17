export * from './lead.events';
