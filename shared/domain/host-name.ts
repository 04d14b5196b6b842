declare const hostNameBrand: unique symbol;
/** A host's name as given in the config; unique within a sweep. */
export type HostName = string & { readonly [hostNameBrand]: true };

// Host names end up in telemetry dimensions, table keys and HTML, so they are kept to a safe alphabet.
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function parseHostName(text: string): HostName | null {
  return HOST_NAME.test(text) ? (text as HostName) : null;
}

export const HOST_NAME_RULE =
  'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63 characters';
