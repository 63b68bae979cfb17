import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseFunnelDefinition, type FunnelDefinition } from './funnel-definition';

/** The funnel definitions shipped with the engine (default, fast-sales, engaged-b2b). */
export const SHIPPED_FUNNELS_DIR = resolve(__dirname, '..', 'funnels');

export function readFunnelDefinition(file: string): FunnelDefinition {
  return parseFunnelDefinition(readFileSync(file, 'utf8'), file);
}

/** The default definition: the one whose replay equals the live funnel read model. */
export function defaultFunnelDefinition(): FunnelDefinition {
  return readFunnelDefinition(join(SHIPPED_FUNNELS_DIR, 'default.yaml'));
}

/**
 * Stored definitions: every .yaml/.yml/.json file of the directories, by name. A later directory's
 * definition replaces an earlier one of the same name; a file with problems is refused with all of them.
 */
export function loadFunnelDefinitions(dirs: readonly string[]): Map<string, FunnelDefinition> {
  const byName = new Map<string, FunnelDefinition>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!/\.(ya?ml|json)$/.test(file)) continue;
      const definition = readFunnelDefinition(join(dir, file));
      byName.set(definition.name, definition);
    }
  }
  return byName;
}
