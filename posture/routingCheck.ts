/**
 * The gate's verdict on where a login session's AUDIT lines go (posture/auditLines.ts computes
 * it): lines that miss the server log fail `--require` and every baseline, naming the settings,
 * the scopes that set them and the statements that undo them. Unknowable routing fails too.
 */
import { auditRouting, LOG_MIN_MESSAGES, LOG_MIN_MESSAGES_DEFAULT } from "../model/auditRouting";
import { quoteName } from "./displayText";
import { ROUTING_SETTINGS } from "./auditLines";
import type { EffectivePosture, EffectiveSetting, SettingOrigin } from "./model";
import { describeOrigin, resetStatementText, setStatementText } from "./scopeText";

/** A routing violation of one pair, in the fields --require and --baseline violations share. */
export interface RoutingViolation {
    readonly role: string;
    readonly database: string;
    readonly setting: string;
    readonly value: string | null;
    readonly from: SettingOrigin;
    readonly reason: "not-in-server-log" | "value-hidden" | "value-unreadable";
    /** What is wrong, naming the settings and where they come from; the caller adds the rule. */
    readonly problem: string;
    readonly fix: string;
    readonly message: string;
}

const SERVER: SettingOrigin = { kind: "server", source: null };

function setting(pair: EffectivePosture, name: string): EffectiveSetting {
    return pair.settings.find((s) => s.name === name) ?? { name, value: null, from: SERVER };
}

function origin(s: EffectiveSetting): string {
    const written = setStatementText(s.from, s.name);
    return `${s.name} from ${describeOrigin(s.from)}${written ? ` (${written})` : ""}`;
}

/** Server-wide remedies, for settings no override sets. */
const SERVER_FIX: Record<string, string> = {
    "pgaudit.log_client": "set pgaudit.log_client = off server-wide (Aiven: pgUserConfig.pgaudit.logClient = false)",
    "pgaudit.log_level": 'set pgaudit.log_level = log server-wide (Aiven: pgUserConfig.pgaudit.logLevel = "log")',
    [LOG_MIN_MESSAGES]: `set log_min_messages = ${LOG_MIN_MESSAGES_DEFAULT} server-wide (a superuser's or the provider's setting)`,
};

/** The violation of one login pair whose AUDIT lines miss the server log (or cannot be told), else undefined. */
export function routingViolation(pair: EffectivePosture): RoutingViolation | undefined {
    const lines = pair.auditLines;
    if (lines.toServerLog === true) return undefined;
    const where = `role ${quoteName(pair.role)} in database ${quoteName(pair.database)}`;
    if (lines.unknown) {
        const s = setting(pair, lines.unknown.setting);
        const problem =
            lines.unknown.why === "hidden"
                ? `${s.name} falls through to the server-wide value, which the connecting role cannot see, so whether AUDIT lines reach the server log cannot be verified`
                : `${s.name} = ${s.value === null ? "(absent)" : `'${s.value}'`} cannot be read as PostgreSQL reads it (${origin(s)}), so whether AUDIT lines reach the server log cannot be verified`;
        const fix =
            lines.unknown.why === "hidden"
                ? "Fix: run the check as a role without pgaudit overrides, or as a superuser"
                : `Fix: ${resetStatementText(s.from, s.name) ?? SERVER_FIX[s.name] ?? `set ${s.name} to a valid value`}`;
        const reason = lines.unknown.why === "hidden" ? "value-hidden" : "value-unreadable";
        return {
            role: pair.role,
            database: pair.database,
            setting: s.name,
            value: s.value,
            from: s.from,
            reason,
            problem,
            fix,
            message: `${where}: ${problem}. ${fix}`,
        };
    }
    const [client, level, minMessages] = ROUTING_SETTINGS.map((name) => setting(pair, name));
    // log_min_messages above LOG drops even LOG_SERVER_ONLY: then it alone is responsible.
    const dropsLog = auditRouting({ logClient: false, logLevel: "log", logMinMessages: minMessages.value ?? LOG_MIN_MESSAGES_DEFAULT });
    const responsible = "toServerLog" in dropsLog && !dropsLog.toServerLog ? [minMessages] : [client, level];
    const resets = responsible.map((s) => resetStatementText(s.from, s.name)).filter((t): t is string => t !== undefined);
    const fix = `Fix: ${resets.length > 0 ? resets.join("; ") : SERVER_FIX[responsible[0].name]}`;
    const named = (responsible.length === 1 ? responsible : [client, level, minMessages]).map(origin).join(", ");
    const problem = `${lines.loss}; ${named}`;
    const main = responsible[0];
    return {
        role: pair.role,
        database: pair.database,
        setting: main.name,
        value: main.value,
        from: main.from,
        reason: "not-in-server-log",
        problem,
        fix,
        message: `${where}: ${problem}. ${fix}`,
    };
}
