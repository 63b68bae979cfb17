import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { parseLeadEvent } from '@lead/domain';
import {
  EVENT_STORE,
  formatPosition,
  parsePosition,
  type AllSubscription,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@lead/event-store';
import { EMBEDDED_HOST_OPTIONS, type EmbeddedHostOptions } from './embedded-host.options';

export interface HandOffNotice {
  readonly eventId: string;
  readonly leadId: string;
  readonly owner: string | null;
  readonly position: string;
}

/**
 * Durable: a subscription to the engine's log from the host's own checkpoint, so hand-offs appended while
 * the host was down are delivered after a restart, and none twice. The checkpoint is written after the
 * notice, so a crash in between repeats one notice: a real notifier dedupes on `eventId`.
 */
@Injectable()
export class HandOffNotifier implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly notices: HandOffNotice[] = [];
  private readonly logger = new Logger(HandOffNotifier.name);
  private readonly checkpointFile: string;
  private subscription?: AllSubscription;
  private loop?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EMBEDDED_HOST_OPTIONS) options: EmbeddedHostOptions,
  ) {
    mkdirSync(options.dataDir, { recursive: true });
    this.checkpointFile = join(options.dataDir, `${options.name}.hand-offs.checkpoint`);
  }

  onApplicationBootstrap(): void {
    this.subscription = this.store.subscribeToAll({ fromPosition: this.readCheckpoint() });
    this.loop = this.run(this.subscription).catch((error: unknown) => {
      this.logger.error(`hand-off subscription stopped: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.unsubscribe();
    await this.loop;
  }

  private async run(subscription: AllSubscription): Promise<void> {
    for await (const recorded of subscription) {
      this.handle(recorded);
      writeFileSync(this.checkpointFile, formatPosition(recorded.position));
    }
  }

  private handle(recorded: RecordedEvent): void {
    if (recorded.type !== 'HandedToSales') return;
    const event = parseLeadEvent(recorded.type, recorded.data, recorded.metadata.schemaVersion as number | undefined);
    if (event.type !== 'HandedToSales') return;
    this.notices.push({
      eventId: recorded.id,
      leadId: event.data.leadId,
      owner: event.data.owner ?? null,
      position: formatPosition(recorded.position),
    });
  }

  private readCheckpoint(): Position | undefined {
    return existsSync(this.checkpointFile) ? parsePosition(readFileSync(this.checkpointFile, 'utf8').trim()) : undefined;
  }
}
