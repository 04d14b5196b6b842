import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Key material (TLS private keys, ssh keys, passphrases). Printing, logging or JSON-serialising a
 * loaded config shows `[redacted]`; only the transport adapter calls `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
