/**
 * Generated per-scope declarations for the "three ways agree" tests: the component's baseline
 * check, the policy pack and `pgaudit-posture --baseline` must give each scope the same verdict.
 * Each case is one login role with exactly one scope (the role, or the role in database `shop`),
 * so that a session's effective values are that scope's over the server's, and a scope's verdict
 * is the verdict of the sessions it governs.
 */
import fc from "fast-check";
import { PGAUDIT_LOG_LEVELS } from "../../model/settings";

export type Settings = Record<string, unknown>;

export interface Case {
    readonly role: string;
    /** With a database, the role-in-database scope; else the role scope. */
    readonly database?: string;
    readonly settings: Settings;
    /** Whether the exceptions excuse this scope. */
    readonly excepted: boolean;
}

export const DATABASE = "shop";
const CLASSES = ["read", "write", "function", "role", "ddl", "misc", "misc_set", "all", "none"];

const logToken = fc.tuple(fc.boolean(), fc.constantFrom(...CLASSES)).map(([minus, cls]) => (minus && cls !== "none" ? `-${cls}` : cls));

/** One scope's settings: pgaudit.log in pgaudit's own grammar (order and `-class` matter), and the switches the baselines and routing read. */
const settingsArbitrary: fc.Arbitrary<Settings> = fc
    .record(
        {
            // Each way must be seen passing too: "all" (compliant under every shipped baseline) a quarter of the time.
            log: fc.oneof({ weight: 1, arbitrary: fc.constant(["all"]) }, { weight: 3, arbitrary: fc.array(logToken, { minLength: 1, maxLength: 4 }) }),
            logCatalog: fc.boolean(),
            logClient: fc.boolean(),
            logLevel: fc.constantFrom(...PGAUDIT_LOG_LEVELS),
            logRelation: fc.boolean(),
            logParameter: fc.boolean(),
        },
        { requiredKeys: [] },
    )
    .filter((s) => Object.keys(s).length > 0);

/**
 * Between `minLength` and `maxLength` cases, each a distinct scope. With `shareRoles`, a role may
 * hold both a role scope and a role-in-database scope (so that an exception must match the
 * database too); without, every case has a role of its own (`${prefix}N`), which a posture
 * comparison needs (a session's values merge the two scopes).
 */
export function casesArbitrary(prefix: string, minLength: number, maxLength: number, shareRoles = false): fc.Arbitrary<Case[]> {
    const row = fc.record({
        roleIndex: fc.nat({ max: Math.max(0, Math.ceil(maxLength / 2) - 1) }),
        inDatabase: fc.boolean(),
        settings: settingsArbitrary,
        excepted: fc.boolean(),
    });
    const rows = shareRoles
        ? fc.uniqueArray(row, { minLength, maxLength, selector: (r) => `${r.roleIndex}/${r.inDatabase}` })
        : fc.array(row, { minLength, maxLength }).map((rs) => rs.map((r, i) => ({ ...r, roleIndex: i })));
    return rows.map((rs) =>
        rs.map((r) => ({ role: `${prefix}${r.roleIndex}`, ...(r.inDatabase ? { database: DATABASE } : {}), settings: r.settings, excepted: r.excepted })),
    );
}

/** The key each way's messages name a scope by: `role "r1"`, `role "r1" in database "shop"`. */
export function scopeWords(c: { role: string; database?: string }): string {
    return c.database === undefined ? `role "${c.role}"` : `role "${c.role}" in database "${c.database}"`;
}

/** The component's arguments for the cases: roles, roleDatabases, and an exception per excepted case. */
export function componentScopes(cases: readonly Case[]) {
    return {
        roles: Object.fromEntries(cases.filter((c) => c.database === undefined).map((c) => [c.role, c.settings])),
        roleDatabases: cases.filter((c) => c.database !== undefined).map((c) => ({ role: c.role, database: c.database!, settings: c.settings })),
    };
}

/** The exceptions, in the form both the component and the pack's configuration take. */
export function exceptionsOf(cases: readonly Case[]): { role: string; database?: string; reason: string }[] {
    return cases.filter((c) => c.excepted).map((c) => ({ role: c.role, ...(c.database !== undefined ? { database: c.database } : {}), reason: "generated" }));
}

/** PgAuditScopes' scopes for the cases. */
export function scopesList(cases: readonly Case[]): { role: string; database?: string; settings: Settings }[] {
    return cases.map((c) => ({ role: c.role, ...(c.database !== undefined ? { database: c.database } : {}), settings: c.settings }));
}

/** The scopes the pack's violation messages name: `PgAuditScopes "x" (role "r1"): …`. */
export function packFailures(messages: readonly string[]): Set<string> {
    const named = new Set<string>();
    for (const m of messages) {
        const found = /^PgAuditScopes "[^"]+" \((role "[^"]+"(?: in database "[^"]+")?)\): /.exec(m);
        if (!found) throw new Error(`a pack message that names no scope: ${m}`);
        named.add(found[1]);
    }
    return named;
}

/**
 * The component's verdicts from its PgAuditLoggingError problems: the scopes it refuses as weaker,
 * and the excepted scopes it calls compliant (it refuses an exception that excuses nothing).
 */
export function componentVerdicts(problems: readonly string[]): { weaker: Set<string>; meets: Set<string> } {
    const weaker = new Set<string>();
    const meets = new Set<string>();
    for (const p of problems) {
        const w = /sessions of (role "[^"]+"(?: in database "[^"]+")?) would be weaker/.exec(p);
        const m = /^exceptions\[\d+\]: (role "[^"]+"(?: in database "[^"]+")?) meets /.exec(p);
        if (w) weaker.add(w[1]);
        else if (m) meets.add(m[1]);
        else throw new Error(`a component problem that is no scope verdict: ${p}`);
    }
    return { weaker, meets };
}
