/**
 * PgAuditScopes, the pure part: from every scope's snapshot (read in the apply's own
 * transaction), the statements of one batch and the problems that stop it before anything is
 * written, each naming its scope and the fix. The per-scope planning is PgAuditSetting's (core/scopePlan.ts).
 */
import { PgAuditSettingError } from "../../model/errors";
import { assertNoForeignSettings, planScopeReset, planScopeStatements, type ServerFacts } from "../core/scopePlan";
import type { ScopeSnapshot } from "../catalog/scopeStore";
import type { OwnedScope } from "./schema";
import { SETTING_DEFINITIONS, SETTING_KEYS } from "../../model/settings";
import { describeScope } from "../../model/scope";

/** A statement of the batch and what it works on, for the message if it fails. */
export interface BatchStatement {
    readonly sql: string;
    /** `role "app" in database "shop"`, or `undeclared pgaudit.log = "none" at role "x"`. */
    readonly target: string;
}

export interface ApplyPlan {
    readonly statements: BatchStatement[];
    /** Reasons not to write anything; all of them, so one run shows every fix. */
    readonly problems: string[];
}

/** Settings the server's pgaudit does not know, per scope. */
export function unknownSettingProblems(scopes: readonly OwnedScope[], facts: ServerFacts): string[] {
    const known = new Set(facts.pgauditParameters);
    return scopes.flatMap(({ scope, settings }) =>
        SETTING_KEYS.filter((key) => settings[key] !== undefined && !known.has(SETTING_DEFINITIONS[key].name)).map((key) => {
            const def: { name: string; availability?: string } = SETTING_DEFINITIONS[key];
            return (
                `${describeScope(scope)}: settings.${key} (${def.name}${def.availability ? `, which needs ${def.availability}` : ""}) is not known to this server's pgaudit: ` +
                `remove it from the scope's settings, or use a server whose pgaudit has it`
            );
        }),
    );
}

/**
 * Plans one apply: SET/RESET what each declared scope needs, RESET every scope no longer
 * declared. A scope this resource starts to own that already holds other pgaudit values is a
 * problem unless `adopt`; so is a scope whose database or role does not exist.
 */
export function planScopesApply(args: {
    declared: readonly OwnedScope[];
    declaredSnapshots: readonly ScopeSnapshot[];
    removed: readonly OwnedScope[];
    removedSnapshots: readonly ScopeSnapshot[];
    newlyOwned: (key: string) => boolean;
    adopt: boolean;
}): ApplyPlan {
    const statements: BatchStatement[] = [];
    const problems: string[] = [];
    args.declared.forEach(({ key, scope, settings }, i) => {
        const snapshot = args.declaredSnapshots[i];
        const target = describeScope(scope);
        if (!snapshot.exists) {
            problems.push(`${target} cannot hold settings: ${snapshot.missing} does not exist; create it first (or fix the name; names are case-sensitive)`);
            return;
        }
        if (args.newlyOwned(key)) {
            try {
                assertNoForeignSettings(scope, snapshot.entries, settings, args.adopt);
            } catch (err) {
                if (!(err instanceof PgAuditSettingError)) throw err;
                problems.push(err.message);
                return;
            }
        }
        for (const sql of planScopeStatements(scope, snapshot.entries, settings)) statements.push({ sql, target });
    });
    args.removed.forEach(({ scope }, i) => {
        const snapshot = args.removedSnapshots[i];
        // A dropped database or role took its settings with it.
        if (!snapshot.exists) return;
        const target = `${describeScope(scope)} (no longer declared)`;
        for (const sql of planScopeReset(scope, snapshot.entries)) statements.push({ sql, target });
    });
    return { statements, problems };
}

/** The one error for every problem found before writing. */
export function problemsError(problems: readonly string[]): PgAuditSettingError {
    return new PgAuditSettingError(`PgAuditScopes changed nothing: ${problems.length} scope problem(s) must be fixed first:\n  - ${problems.join("\n  - ")}`);
}
