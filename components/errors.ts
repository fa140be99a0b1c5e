/**
 * How PgAuditLogging reports bad input: one error naming every wrong field and its fix, in the
 * terms the program wrote (`databases["shop"].log[1]`). Messages are built from field paths and the
 * schemas' own words, never from a connection, so no password can reach them.
 */
import { PgAuditInputError } from "../model/errors";

/**
 * Bad input to PgAuditLogging or pgAuditUserConfig: the package's one input error, under the name
 * this entry point has always exported.
 * @deprecated Catch `PgAuditInputError`; this is the same class.
 */
export const PgAuditLoggingError = PgAuditInputError;
/** @deprecated The same type as `PgAuditInputError`. */
export type PgAuditLoggingError = PgAuditInputError;
