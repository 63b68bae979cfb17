import type { Document } from 'bson';
import { badValue } from './errors';

/** What a triggered `failCommand` fail point asks for, as in the server's test commands. */
export interface FailCommandData {
  readonly failCommands: string[];
  readonly errorCode?: number;
  readonly errorLabels?: string[];
  readonly closeConnection?: boolean;
  readonly blockConnection?: boolean;
  readonly blockTimeMS?: number;
  readonly writeConcernError?: Document;
  readonly appName?: string;
}

type Mode = { times: number } | { skip: number } | 'alwaysOn' | 'off';

/** The `failCommand` fail point: `configureFailPoint` with mode `{times: n}`, `{skip: n}`, `alwaysOn` or `off`. */
export class FailPoints {
  private mode: Mode = 'off';
  private data: FailCommandData | undefined;

  configure(command: Document): Document {
    if (command.configureFailPoint !== 'failCommand')
      throw badValue(`The test double models only the failCommand fail point, not ${command.configureFailPoint}`);
    const mode = command.mode as Mode;
    if (mode !== 'off' && mode !== 'alwaysOn' && !(typeof mode === 'object' && ('times' in mode || 'skip' in mode)))
      throw badValue(`Unknown fail point mode ${JSON.stringify(mode)}`);
    if (mode !== 'off' && !Array.isArray(command.data?.failCommands)) throw badValue('failCommand needs data.failCommands');
    this.mode = typeof mode === 'object' ? { ...mode } : mode;
    this.data = mode === 'off' ? undefined : (command.data as FailCommandData);
    return { count: 0, ok: 1 };
  }

  /** The fail point's data when it fires for this command, counting the firing. */
  trigger(commandName: string, appName: string | undefined): FailCommandData | undefined {
    const data = this.data;
    if (this.mode === 'off' || !data || !data.failCommands.includes(commandName)) return undefined;
    if (data.appName !== undefined && data.appName !== appName) return undefined;
    if (typeof this.mode === 'object' && 'skip' in this.mode) {
      if (this.mode.skip > 0) {
        this.mode.skip--;
        return undefined;
      }
      this.mode = 'alwaysOn';
    }
    if (typeof this.mode === 'object' && 'times' in this.mode) {
      if (this.mode.times <= 0) return undefined;
      if (--this.mode.times === 0) this.mode = 'off';
    }
    return data;
  }
}
