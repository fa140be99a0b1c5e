/**
 * Functions whose SET clause (pg_proc.proconfig) touches pgaudit.* or log_min_messages, in every
 * database the connecting role may connect to: pg_proc is per database, so one session and one
 * query each. What cannot be read is returned as such, for the gate to fail on.
 */
import { withSession } from "../provider/connection";
import type { ResolvedConnection } from "../model/connectionSpec";
import { splitSetconfigEntry } from "../model/sql";
import type { AuditPosture, FunctionSetting, FunctionSettings } from "./model";

/** Schema-qualified throughout (operators too): a database's owner may plant objects on its search_path. */
const FUNCTIONS_SQL = `
SELECT n.nspname::text AS schema, p.proname::text AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_userbyid(p.proowner)::text AS owner, p.prosecdef AS security_definer,
       ARRAY(SELECT x FROM pg_catalog.unnest(p.proconfig) AS x
              WHERE x OPERATOR(pg_catalog.~~*) 'pgaudit.%' OR x OPERATOR(pg_catalog.~~*) 'log_min_messages=%'
              ORDER BY x) AS entries
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
 WHERE p.proconfig IS NOT NULL
 ORDER BY 1, 2, 3`;

interface FunctionRow {
    schema: string;
    name: string;
    arguments: string;
    owner: string;
    security_definer: boolean;
    entries: string[];
}

/** Every database that accepts connections and that the connecting role may connect to; the others are unreadable. */
export async function readFunctions(connection: ResolvedConnection, posture: AuditPosture, deadlineSeconds: number): Promise<FunctionSettings> {
    const me = posture.connectedAs.user;
    const databases = [...new Set(posture.effective.filter((p) => p.role === me).map((p) => p.database))].sort();
    const functions: FunctionSetting[] = [];
    const unreadable: FunctionSettings["unreadable"] = [];
    for (const database of databases) {
        const mine = posture.effective.find((p) => p.role === me && p.database === database);
        if (mine && !mine.canConnect && !posture.connectedAs.superuser) {
            unreadable.push({ database, error: `${me} has no CONNECT privilege on it` });
            continue;
        }
        try {
            const rows = await withSession(
                { ...connection, database },
                deadlineSeconds,
                async ({ client }) => (await client.query(FUNCTIONS_SQL)).rows as FunctionRow[],
            );
            for (const row of rows) {
                if (row.entries.length === 0) continue;
                functions.push({
                    database,
                    schema: row.schema,
                    name: row.name,
                    arguments: row.arguments,
                    owner: row.owner,
                    securityDefiner: row.security_definer,
                    settings: row.entries.map((e) => {
                        const [name, value] = splitSetconfigEntry(e);
                        return { name: name.toLowerCase(), value };
                    }),
                });
            }
        } catch (err) {
            // Connection errors name user@host:port/db, never the password.
            unreadable.push({ database, error: err instanceof Error ? err.message : String(err) });
        }
    }
    return { functions, unreadable };
}
