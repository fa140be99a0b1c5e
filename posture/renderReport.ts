/**
 * The readable report `pgaudit-posture` prints by default: server-wide values, overrides by
 * scope, what each role gets at login in each database and from where, and the requirement's
 * verdict. Every name goes through displayText, so hostile names cannot forge lines or colours.
 */
import { displayName, quoteName, safeText } from "./displayText";
import type {
    AuditPosture,
    BaselineResult,
    EffectivePosture,
    EffectiveSetting,
    ObjectRequirementResult,
    Override,
    PostureChanges,
    RequirementResult,
} from "./model";
import { classesText } from "./report/matrix";
import { changesText, exceptionsText } from "./report/text";
import { functionSignature } from "./functionChecks";
import { renderObjectAudit } from "./renderObjectAudit";
import { describeOrigin, originCell } from "./scopeText";
import { renderTable } from "./table";
import { heldByGroupNote, renderGroupRequirements, type GroupReport } from "./groups";

function valueCell(value: string | null): string {
    if (value === null) return "?";
    return value === "" ? "''" : value;
}

function header(posture: AuditPosture): string[] {
    const who = posture.connectedAs;
    const lines = [
        `pgaudit posture of ${displayName(who.host)}:${who.port}, read as ${displayName(who.user)}${who.superuser ? " (superuser)" : ""} ` +
            `in database ${displayName(who.database)}; PostgreSQL ${safeText(posture.serverVersion)}` +
            (posture.pgauditVersion ? `, pgaudit ${safeText(posture.pgauditVersion)}` : "") +
            (posture.readAt ? `; read at ${safeText(posture.readAt)}` : ""),
    ];
    if (!posture.pgauditLoaded) lines.push("pgaudit is NOT loaded on this server (no pgaudit.* parameters): nothing is audited.");
    return lines;
}

function serverSection(posture: AuditPosture): string[] {
    if (posture.server.length === 0) return [];
    const rows = posture.server.map((s) => {
        let note = "";
        if (s.value === null)
            note = s.hiddenBy
                ? `hidden from ${displayName(posture.connectedAs.user)} by ${describeOrigin(s.hiddenBy)}`
                : "hidden by this session's own settings";
        else if (s.readIn !== posture.connectedAs.database)
            note = `read in database ${quoteName(s.readIn)} (masked in ${quoteName(posture.connectedAs.database)})`;
        return [s.name, valueCell(s.value), s.source ?? "?", note];
    });
    return ["", "Server-wide settings (where no override applies)", ...renderTable(["SETTING", "VALUE", "SOURCE", "NOTE"], rows)];
}

function overrideRow(o: Override): string[] {
    const role = "role" in o.scope ? displayName(o.scope.role) : o.scope.kind === "all-roles" ? "(all)" : "";
    const database = "database" in o.scope ? displayName(o.scope.database) : o.scope.kind === "all-roles" ? "(all)" : "";
    return [originCell(o.scope), role, database, o.name, valueCell(o.value)];
}

function overridesSection(posture: AuditPosture): string[] {
    const title = "Overrides in pg_db_role_setting (strongest scope first)";
    if (posture.overrides.length === 0) return ["", title, "  (none)"];
    return [
        "",
        title,
        ...renderTable(["SCOPE", "ROLE", "DATABASE", "SETTING", "VALUE"], posture.overrides.map(overrideRow)),
        '  "database" is where both ALTER DATABASE d SET and ALTER ROLE ALL IN DATABASE d SET write (one catalog row).',
    ];
}

function pairNote(pair: EffectivePosture): string {
    if (!pair.canLogin) return "NOLOGIN: not required";
    if (!pair.canConnect) return "no CONNECT: not required";
    const notes = pair.superuser ? ["superuser"] : [];
    if (pair.auditLines.toServerLog === false) notes.push("AUDIT lines miss the server log");
    else if (pair.auditLines.toServerLog === null) notes.push("AUDIT line routing unknown");
    return notes.join("; ");
}

/** Login pairs whose AUDIT lines miss the server log (or cannot be told), and why. */
function routingSection(posture: AuditPosture): string[] {
    const rows = posture.effective
        .filter((p) => p.canLogin && p.canConnect && p.auditLines.toServerLog !== true)
        .map((p) => [
            displayName(p.role),
            displayName(p.database),
            p.auditLines.emittedAt ?? "?",
            safeText(p.auditLines.loss ?? `${p.auditLines.unknown?.setting ?? "?"} is ${p.auditLines.unknown?.why ?? "unknown"}`),
        ]);
    if (rows.length === 0) return [];
    return [
        "",
        "AUDIT lines that miss the server log (pgaudit.log_client, pgaudit.log_level, log_min_messages)",
        ...renderTable(["ROLE", "DATABASE", "EMITTED AT", "WHY"], rows),
    ];
}

/** Functions whose SET clause changes auditing for their body, and databases whose functions could not be read. */
function functionsSection(posture: AuditPosture): string[] {
    const read = posture.functions;
    if (!read || (read.functions.length === 0 && read.unreadable.length === 0)) return [];
    const lines = ["", "Functions that set pgaudit.* or log_min_messages for their body (pg_proc.proconfig)"];
    if (read.functions.length > 0) {
        lines.push(
            ...renderTable(
                ["DATABASE", "FUNCTION", "OWNER", "SECURITY", "SET"],
                read.functions.map((f) => [
                    displayName(f.database),
                    safeText(functionSignature(f)),
                    displayName(f.owner),
                    f.securityDefiner ? "definer" : "invoker",
                    safeText(f.settings.map((e) => `${e.name}=${e.value}`).join(", ")),
                ]),
            ),
        );
    }
    for (const u of read.unreadable) lines.push(`  database ${quoteName(u.database)} could not be read: ${safeText(u.error)}`);
    return lines;
}

/** Who may change the audit parameters for their own session; the connecting role's own grants are counted, not listed. */
function grantsSection(posture: AuditPosture): string[] {
    const grants = posture.parameterGrants;
    if (!grants || grants.length === 0) return [];
    const others = grants.filter((g) => !g.connectingRole);
    const mine = grants.length - others.length;
    const lines = ["", "Roles holding privileges on audit parameters (SET lets a role change it for its own sessions; superusers need none)"];
    if (others.length === 0) lines.push("  (none but the connecting role)");
    else
        lines.push(
            ...renderTable(
                ["GRANTEE", "PARAMETER", "PRIVILEGE", "GRANTABLE"],
                others.map((g) => [displayName(g.grantee), safeText(g.parameter), safeText(g.privilege), g.grantable ? "yes" : "no"]),
            ),
        );
    if (mine > 0)
        lines.push(
            `  ${displayName(posture.connectedAs.user)} (the connecting role) holds ${mine} such grant(s), not listed: on Aiven avnadmin holds them by design.`,
        );
    return lines;
}

function effectiveSection(posture: AuditPosture, requirement: RequirementResult | null, baseline: BaselineResult | null, groups?: GroupReport): string[] {
    const failing = new Set([...(requirement?.violations ?? []), ...(baseline?.violations ?? [])].map((v) => JSON.stringify([v.role, v.database])));
    const checked = requirement !== null || baseline !== null;
    const status = (pair: EffectivePosture) => {
        if (!pair.canLogin || !pair.canConnect) return "-";
        return failing.has(JSON.stringify([pair.role, pair.database])) ? "FAIL" : "ok";
    };
    const log = (pair: EffectivePosture): EffectiveSetting =>
        pair.settings.find((s) => s.name === "pgaudit.log") ?? { name: "pgaudit.log", value: null, from: { kind: "server", source: null } };
    const headers = ["ROLE", "DATABASE", "PGAUDIT.LOG", "AUDITS", "FROM", "NOTE"];
    const rows = posture.effective.map((pair) => {
        const l = log(pair);
        const via = groups ? heldByGroupNote(groups.holders, l.from) : "";
        return [displayName(pair.role), displayName(pair.database), valueCell(l.value), classesText(l.value), originCell(l.from) + via, pairNote(pair)];
    });
    return [
        "",
        "Effective pgaudit.log at login (role in database > role > database > all roles > server)",
        ...renderTable(checked ? ["STATUS", ...headers] : headers, checked ? rows.map((r, i) => [status(posture.effective[i]), ...r]) : rows),
    ];
}

/** Other pgaudit settings that an override (not the server) gives a role in a database. */
function otherSettingsSection(posture: AuditPosture): string[] {
    const rows = posture.effective.flatMap((pair) =>
        pair.settings
            .filter((s) => s.name !== "pgaudit.log" && s.from.kind !== "server")
            .map((s) => [displayName(pair.role), displayName(pair.database), s.name, valueCell(s.value), originCell(s.from)]),
    );
    if (rows.length === 0) return [];
    return ["", "Other pgaudit settings that come from an override", ...renderTable(["ROLE", "DATABASE", "SETTING", "VALUE", "FROM"], rows)];
}

function requirementSection(posture: AuditPosture, requirement: RequirementResult): string[] {
    const classes = requirement.classes.join(", ");
    const skipped = requirement.notRequired;
    const scope =
        `${requirement.checked} login role × database pairs checked` +
        (skipped.noLogin || skipped.noConnect ? `; not required: ${skipped.noLogin} without LOGIN, ${skipped.noConnect} without CONNECT` : "");
    const lines = ["", `Requirement: every login role audits ${classes} in every database it can connect to`];
    const all = [...requirement.violations, ...requirement.functionViolations];
    if (all.length === 0) return [...lines, `  OK: ${scope}`];
    if (!posture.pgauditLoaded) return [...lines, `  FAIL: pgaudit is not loaded, so none of the ${requirement.checked} pairs is audited`];
    return [...lines, ...all.map((v) => `  FAIL ${safeText(v.message)}`), `  ${all.length} violation(s); ${scope}`];
}

function baselineSection(posture: AuditPosture, result: BaselineResult): string[] {
    const skipped = result.notRequired;
    const scope =
        `${result.checked} login role × database pairs checked against ${result.rules.length} rule(s)` +
        (skipped.noLogin || skipped.noConnect ? `; not required: ${skipped.noLogin} without LOGIN, ${skipped.noConnect} without CONNECT` : "");
    const lines = [
        "",
        `Baseline ${safeText(result.baseline.name)}: ${safeText(result.baseline.document)} ${safeText(result.baseline.version)}`,
        ...result.rules.map((r) => `  rule ${safeText(r.id)} (${safeText(r.references.join(", "))}): ${safeText(r.says)}`),
    ];
    const all = [...result.violations, ...result.functionViolations];
    if (all.length === 0) return [...lines, `  OK: ${scope}`];
    if (!posture.pgauditLoaded) return [...lines, `  FAIL: pgaudit is not loaded, so none of the ${result.checked} pairs is audited`];
    return [...lines, ...all.map((v) => `  FAIL ${safeText(v.message)}`), `  ${all.length} violation(s); ${scope}`];
}

/** The posture report as pgaudit-posture prints it, with the verdicts asked for. */
export function renderPostureReport(
    posture: AuditPosture,
    requirement: RequirementResult | null,
    objectRequirement?: ObjectRequirementResult,
    baseline: BaselineResult | null = null,
    groups?: GroupReport,
    changes?: PostureChanges,
): string {
    const lines = [
        ...header(posture),
        ...serverSection(posture),
        ...overridesSection(posture),
        ...effectiveSection(posture, requirement, baseline, groups),
        ...otherSettingsSection(posture),
        ...routingSection(posture),
        ...functionsSection(posture),
        ...grantsSection(posture),
        ...(requirement ? requirementSection(posture, requirement) : []),
        ...renderObjectAudit(posture, objectRequirement),
        ...(baseline ? baselineSection(posture, baseline) : []),
        ...(groups ? renderGroupRequirements(groups) : []),
        ...(baseline ? exceptionsText(baseline) : []),
        ...(changes ? changesText(changes) : []),
    ];
    return lines.join("\n") + "\n";
}
