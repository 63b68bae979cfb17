import { LeadValidationError } from '@lead/domain';
import { plainToInstance } from 'class-transformer';
import { CommandValidationPipe } from './command-validation.pipe';
import { ConfirmNeedBody } from './commands/qualification-facts.command';
import { LeadCommandExecutor } from './lead-command.executor';

// validate() uses none of the executor's collaborators.
const executor = new LeadCommandExecutor(null as never, null as never, null as never, null as never, null as never);
const refusal = (run: () => unknown): LeadValidationError => {
  try {
    run();
  } catch (e) {
    if (e instanceof LeadValidationError) return e;
    throw e;
  }
  throw new Error('expected a LeadValidationError');
};

describe('command body validation', () => {
  const pipe = new CommandValidationPipe();
  const asBody = { type: 'body' as const, metatype: ConfirmNeedBody };

  it('the HTTP pipe refuses an unknown field, naming it', async () => {
    await expect(pipe.transform({ need: 'CRM', priority: 'high' }, asBody)).rejects.toEqual(
      LeadValidationError.of('priority', 'property priority should not exist'),
    );
  });

  it('a body the pipe validated is handed through by the executor as the same instance', async () => {
    const body = (await pipe.transform({ need: 'CRM' }, asBody)) as ConfirmNeedBody;
    expect(executor.validate(ConfirmNeedBody, body)).toBe(body);
  });

  it('the executor still validates bodies that did not come through the pipe (CommandBus callers)', () => {
    expect(refusal(() => executor.validate(ConfirmNeedBody, { need: '' })).problems.map((p) => p.field)).toEqual(['need']);
    const instance = plainToInstance(ConfirmNeedBody, { need: 'CRM', priority: 'high' });
    expect(refusal(() => executor.validate(ConfirmNeedBody, instance)).problems).toEqual([
      { field: 'priority', message: 'property priority should not exist' },
    ]);
  });
});
