export * from './lead.events';
export * from './lead.status';
export * from './lead.errors';
export * from './lead.commands';
export * from './lead.decider';
export * from './lead.event-parsers';
export * from './contact.rules';
export * from './personal-data';
