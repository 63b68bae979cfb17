export interface EmbeddedHostOptions {
  /** The host's principal id; commands it sends carry the actor `host:<name>`. */
  readonly name: string;
  /** Where the host keeps the engine's SQLite files and its own subscription checkpoint. */
  readonly dataDir: string;
}

export const EMBEDDED_HOST_OPTIONS = Symbol('EMBEDDED_HOST_OPTIONS');
