export * from './embedded-host.module';
export * from './embedded-host.options';
export * from './hand-off-notifier';
export * from './host-principal';
export * from './lead-intake.service';
export * from './recent-lead-events.handler';
