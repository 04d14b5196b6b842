/**
 * Removes secret text from error messages before they are printed or logged: the whole secret
 * values given (connection strings), the key parts inside them (AccountKey, SharedAccessSignature,
 * InstrumentationKey), SAS signatures in URLs and bearer tokens. SDK errors can quote a request URL
 * or a connection string, and with it a key.
 */
export function secretRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const parts = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    parts.add(secret.trim());
    for (const match of secret.matchAll(
      /(?:AccountKey|SharedAccessSignature|InstrumentationKey)=([^;]+)/gi,
    )) {
      parts.add(match[1]!.trim());
    }
  }
  // Longest first, so a connection string goes before the key inside it.
  const ordered = [...parts].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const part of ordered) out = out.split(part).join('[redacted]');
    return out
      .replace(/([?&]sig=)[^&\s"']+/gi, '$1[redacted]')
      .replace(/(AccountKey|SharedAccessSignature)=[A-Za-z0-9+/=%_-]{8,}/gi, '$1=[redacted]')
      .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]');
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
