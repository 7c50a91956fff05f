import { escapeForDisplay, type Logger } from '@ims/spi';

/** Field names whose values are never written out, whatever a caller passes. */
const SECRET_FIELD = /pass(word|phrase)?|secret|token|private.?key|credential/i;

/** Replaces the values of secret-looking fields with `***`, recursively. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = '***';
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      out[key] = redact(value as Record<string, unknown>);
    else out[key] = value;
  }
  return out;
}

/** Where log lines go, and from which level. */
export interface LoggerOptions {
  /** Writes one line. */
  write: (line: string) => void;
  /** Show debug and info lines too (`--debug`); otherwise only warnings and errors. */
  verbose: boolean;
  /** Tag put in front of every line, e.g. `libvirt/lab`. */
  tag?: string;
}

/** A logger that makes children tagged `parent/child`. */
export interface TaggedLogger extends Logger {
  /** A logger whose lines carry one more tag. */
  child(tag: string): TaggedLogger;
}

/**
 * A logger that writes `level [tag] message {fields}` lines, secrets redacted, and control, bidi
 * and other invisible characters escaped: messages carry names, hypervisor answers and provider text.
 */
export function createLogger(options: LoggerOptions): TaggedLogger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (!options.verbose && (level === 'debug' || level === 'info')) return;
    const tag = options.tag ? ` [${options.tag}]` : '';
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(redact(fields))}` : '';
    options.write(escapeForDisplay(`${level}${tag} ${message}${extra}`, true));
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    child: (tag) => createLogger({ ...options, tag: options.tag ? `${options.tag}/${tag}` : tag }),
  };
}
