/**
 * `--format html`: the posture as one self-contained page an auditor can open or print. No
 * network: inline CSS, one inline script (open every group before printing) pinned by its hash
 * in a Content-Security-Policy that forbids everything else, so even a name that escaped its
 * escaping could load or run nothing. Every catalog string goes through escape.html.
 */
import { createHash } from "node:crypto";
import type { DatabaseObjectAudit, PostureChanges, PostureReport } from "../model";
import { describeOrigin, resetStatementText, setStatementText } from "../scopeText";
import { unchanged } from "./compare";
import { html } from "./escape";
import { buildMatrix, scopeLabel, STATUS_LABEL, valueText, type CellStatus, type MatrixCell, type MatrixGroup, type MatrixRow } from "./matrix";
import { byCause, findings, pairsText, verdictOf } from "./verdict";

/** One letter a status: the cells are most of the page at 1,000 roles × 20 databases. */
const CLASS: Readonly<Record<CellStatus, string>> = { fail: "f", excepted: "e", ok: "o", unchecked: "u", "not-required": "n" };
/** Scopes responsible for violations listed before the rest is collapsed. */
const CAUSES_SHOWN = 10;
/** Roles a page of a large group shows. */
const CHUNK = 100;
/** Marks that survive printing in grey. */
const MARK: Readonly<Record<CellStatus, string>> = { fail: "✗ ", excepted: "! ", ok: "", unchecked: "", "not-required": "" };

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}
h1{font-size:1.5em;margin:0 0 .5em}h2{font-size:1.2em;margin:1.5em 0 .5em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
.facts th{background:#f4f4f4;font-weight:600}
.verdict{padding:0 .4em;border-radius:3px}.verdict.fail{background:#c62828;color:#fff}.verdict.pass{background:#2e7d32;color:#fff}.verdict.unchecked{background:#777;color:#fff}
.matrix{font-size:12px}.matrix thead th{position:sticky;top:0;background:#f4f4f4}.matrix tbody th{font-weight:600;white-space:nowrap}
.matrix td i{display:block;font-size:10px;color:#555;font-style:normal}
.f{background:#f8c9c9}.e{background:#fde3a7}.o{background:#d7efd7}.u{background:#eee}.n{background:#fafafa;color:#999}
.legend span{display:inline-block;padding:0 .5em;margin-right:.5em;border:1px solid #ccc}
details{margin:.3em 0}details details{margin-left:1em}summary{cursor:pointer;font-weight:600}
code,.mono{font-family:ui-monospace,monospace;font-size:12px}
.msg{max-width:60em}
@media print{body{margin:0;font-size:11px}nav{display:none}summary{list-style:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}tr{break-inside:avoid}.matrix thead th{position:static}}
`;

/** Opens every group before printing, so the printout holds the whole matrix. */
const SCRIPT = `addEventListener("beforeprint",function(){document.querySelectorAll("details").forEach(function(d){d.open=true})})`;

function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ""): string {
    const head = `<tr>${headers.map((h) => `<th>${html(h)}</th>`).join("")}</tr>`;
    // Cells are HTML already: each caller escapes what it puts in.
    return `<table${cls ? ` class="${cls}"` : ""}><thead>${head}</thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function facts(report: PostureReport): string {
    const p = report.posture;
    const who = p.connectedAs;
    const rows: [string, string][] = [
        ["Server", `${html(who.host)}:${who.port}`],
        ["Read as", `${html(who.user)}${who.superuser ? " (superuser)" : ""} in database ${html(who.database)}`],
        ["PostgreSQL", html(p.serverVersion)],
        ["pgaudit", p.pgauditLoaded ? html(p.pgauditVersion ?? "loaded, version unknown") : "<strong>not loaded: nothing is audited</strong>"],
        ["Read at", html(p.readAt ?? "unknown")],
    ];
    const b = report.baseline;
    if (b) {
        rows.push(["Baseline", `${html(b.baseline.name)}: ${html(b.baseline.title)} (${html(b.baseline.document)} ${html(b.baseline.version)})`]);
        rows.push([
            "Rules",
            `<ul>${b.rules.map((r) => `<li><code>${html(r.id)}</code> (${html(r.references.join(", "))}): ${html(r.says)}</li>`).join("")}</ul>`,
        ]);
    }
    if (report.requirement) rows.push(["Required classes", html(report.requirement.classes.join(", "))]);
    if (report.objectRequirement) rows.push(["Required object audit", html(report.objectRequirement.requirements.join("; "))]);
    const checked = b?.checked ?? report.requirement?.checked;
    const verdict = verdictOf(report);
    const count = findings(report).length;
    rows.push([
        "Verdict",
        `<span class="verdict ${verdict}">${verdict.toUpperCase()}</span> ${count} violation(s)` +
            (checked !== undefined ? `; ${checked} login role × database pairs checked` : "") +
            (b?.excused?.length ? `; ${b.excused.length} excused by exceptions` : ""),
    ]);
    return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
}

function list(items: readonly string[]): string {
    return `<ul>${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}

function changesSection(c: PostureChanges): string {
    const parts = [`<p>Since the report read at ${html(c.previousReadAt ?? "an unknown time")}: verdict ${c.verdict.before} → ${c.verdict.after}.</p>`];
    if (unchanged(c)) parts.push("<p>Nothing changed.</p>");
    const names = (title: string, xs: readonly string[]) => (xs.length ? `<h3>${title} (${xs.length})</h3>${list(xs.map(html))}` : "");
    parts.push(
        names("Roles added", c.rolesAdded),
        names("Roles removed", c.rolesRemoved),
        names("Databases added", c.databasesAdded),
        names("Databases removed", c.databasesRemoved),
    );
    // Violations are listed in full above: here one click away.
    const collapsed = (title: string, xs: readonly string[]) =>
        xs.length ? `<details><summary>${title} (${xs.length})</summary>${list(xs.map(html))}</details>` : "";
    const pairs = (
        title: string,
        xs: readonly { role: string; database: string; setting: string; before: string | null; after: string | null }[],
        extra: (i: number) => string,
    ) =>
        xs.length
            ? `<h3>${title} (${xs.length})</h3>` +
              (xs.length > 20 ? `<details><summary>${xs.length} pairs</summary>` : "") +
              table(
                  ["role", "database", "setting", "before", "after", ""],
                  xs.map((x, i) => [html(x.role), html(x.database), html(x.setting), html(valueText(x.before)), html(valueText(x.after)), extra(i)]),
              ) +
              (xs.length > 20 ? "</details>" : "")
            : "";
    parts.push(
        pairs("Weakened", c.weakened, (i) => `lost ${html(c.weakened[i].lost.join(", "))}`),
        pairs("Strengthened", c.strengthened, (i) => `gained ${html(c.strengthened[i].gained.join(", "))}`),
        pairs("Other settings changed", c.changed, () => ""),
        collapsed("New violations", c.newViolations),
        collapsed("Resolved violations", c.resolvedViolations),
    );
    const exceptions = (title: string, xs: PostureChanges["newExceptions"]) =>
        xs.length
            ? `<h3>${title} (${xs.length})</h3>` +
              table(
                  ["role", "database", "reason"],
                  xs.map((e) => [html(e.role ?? "(any)"), html(e.database ?? "(any)"), html(e.reason)]),
              )
            : "";
    parts.push(exceptions("New exceptions", c.newExceptions), exceptions("Removed exceptions", c.removedExceptions));
    return `<section id="changes"><h2>Changes since the previous report</h2>${parts.join("")}</section>`;
}

function violationsSection(report: PostureReport): string {
    const all = findings(report);
    if (all.length === 0) return `<section id="violations"><h2>Violations</h2><p>None.</p></section>`;
    // First by cause: the scope responsible, its value and the statement that fixes it.
    const causes = byCause(all).map(({ first, pairs }) => {
        const c = first.cause;
        const fix = c ? resetStatementText(c.from, c.setting) : undefined;
        return [
            `${html(first.check)}: <code>${html(first.rule)}</code>`,
            c ? `${html(describeOrigin(c.from))}: <code>${html(c.setting)} = ${html(valueText(c.value))}</code>` : "",
            html(pairsText(pairs)),
            c ? (fix ? `<code>${html(fix)}</code>` : "change the server-wide value (see each violation)") : `<span class="msg">${html(first.message)}</span>`,
        ];
    });
    // The causes reaching most pairs first; past CAUSES_SHOWN the rest are one click away.
    const headers = ["check", "set by", "role × database pairs", "fix"];
    const summary =
        table(headers, causes.slice(0, CAUSES_SHOWN)) +
        (causes.length > CAUSES_SHOWN
            ? `<details><summary>${causes.length - CAUSES_SHOWN} more scope(s)</summary>${table(headers, causes.slice(CAUSES_SHOWN))}</details>`
            : "");
    // Then each violation in full, one click away: the evidence, without pushing the matrix pages down.
    // A pair's value and scope say what its message says; a finding without them keeps its message.
    const rows = all.map((f) => [
        `${html(f.check)}: <code>${html(f.rule)}</code>`,
        html(f.role ?? ""),
        html(f.database ?? ""),
        f.cause
            ? `<code>${html(f.cause.setting)} = ${html(valueText(f.cause.value))}</code> from ${html(describeOrigin(f.cause.from))}`
            : `<span class="msg">${html(f.message)}</span>`,
    ]);
    const full = table(["check", "role", "database", "value and where it comes from"], rows);
    return `<section id="violations"><h2>Violations (${all.length}) by the scope responsible (${causes.length})</h2>${summary}<details${all.length <= 20 ? " open" : ""}><summary>Every violation (${all.length})</summary>${full}</details></section>`;
}

function exceptionsSection(report: PostureReport): string {
    const b = report.baseline;
    if (!b?.exceptions) return "";
    const rows = b.exceptions.map((e) => [
        html(e.role ?? "(any)"),
        html(e.database ?? "(any)"),
        html(e.reason),
        e.excuses.length ? html(e.excuses.join(", ")) : "<strong>excuses nothing</strong>",
        html(pairsText((b.excused ?? []).filter((v) => v.exception.reason === e.reason && v.exception.role === e.role && v.exception.database === e.database))),
    ]);
    return `<section id="exceptions"><h2>Exceptions (${b.exceptions.length})</h2><p>Scopes allowed to be weaker than ${html(b.baseline.name)}, with the reason given.</p>${table(
        ["role", "database", "reason", "rules excused", "role × database pairs excused"],
        rows,
    )}</section>`;
}

function cell(c: MatrixCell): string {
    // Only a violating or excused cell says more on hover: the rules and the exact scope. At 20,000 cells every byte counts.
    const why =
        c.status === "fail" || c.status === "excepted"
            ? [STATUS_LABEL[c.status], ...c.failed, ...c.excusedBy.map((r) => `exception: ${r}`), `from ${describeOrigin(c.from)}`].join("; ")
            : "";
    // A violating cell names its rules too: log-catalog or server-log can fail where the classes are met.
    const rules = c.status === "fail" ? ` · ${c.failed.join(", ")}` : "";
    return `<td class="${CLASS[c.status]}"${why ? ` title="${html(why)}"` : ""}>${MARK[c.status]}${html(c.classes)}<i>${html(scopeLabel(c.from) + rules)}</i></td>`;
}

function group(g: MatrixGroup, databases: readonly string[]): string {
    const head = `<thead><tr><th>role</th>${databases.map((d) => `<th>${html(d)}</th>`).join("")}</tr></thead>`;
    const rows = (slice: readonly MatrixRow[]) =>
        slice
            .map((r) => {
                const note = !r.canLogin ? " <i>NOLOGIN</i>" : r.superuser ? " <i>superuser</i>" : "";
                return `<tr><th>${html(r.role)}${note}</th>${r.cells.map(cell).join("")}</tr>`;
            })
            .join("");
    // The worst group is open; the others (at scale, most roles) are one click away, in pages of
    // CHUNK roles named by their first and last role, so a reader finds a role without scrolling 1,000 rows.
    const open = g.status === "fail" ? " open" : "";
    const summary = `<summary>${STATUS_LABEL[g.status]}: ${g.rows.length} role(s)</summary>`;
    if (g.rows.length <= CHUNK)
        return `<details class="group" data-status="${g.status}"${open}>${summary}<table class="matrix">${head}<tbody>${rows(g.rows)}</tbody></table></details>`;
    const pages: string[] = [];
    for (let i = 0; i < g.rows.length; i += CHUNK) {
        const slice = g.rows.slice(i, i + CHUNK);
        pages.push(
            `<details${open && i === 0 ? " open" : ""}><summary>${html(slice[0].role)} … ${html(slice[slice.length - 1].role)} (${slice.length})</summary><table class="matrix">${head}<tbody>${rows(slice)}</tbody></table></details>`,
        );
    }
    return `<details class="group" data-status="${g.status}"${open}>${summary}${pages.join("")}</details>`;
}

function matrixSection(report: PostureReport): string {
    const m = buildMatrix(report);
    const legend = (Object.keys(CLASS) as CellStatus[])
        .map((s) => `<span class="${CLASS[s]}">${MARK[s]}${STATUS_LABEL[s]}: ${m.counts[s]} cell(s)</span>`)
        .join("");
    return (
        `<section id="matrix"><h2>Effective pgaudit.log: role × database</h2>` +
        `<p>Each cell: the classes a new session of the role audits in the database, and the scope the value comes from ` +
        `(role in database &gt; role &gt; database &gt; all roles &gt; server). Roles are grouped by their worst cell.</p>` +
        `<p class="legend">${legend}</p>${m.groups.map((g) => group(g, m.databases)).join("")}</section>`
    );
}

function objectAuditRows(db: DatabaseObjectAudit): string[][] {
    if (!db.readable) return [[html(db.database), "?", `not readable: ${html(db.error ?? "")}`, "", ""]];
    return db.auditRoles.flatMap((role) => {
        if (!role.exists) return [[html(db.database), html(role.name), "<strong>role does not exist: nothing audited</strong>", "", ""]];
        if (role.grants.length === 0) return [[html(db.database), html(role.name), "<strong>no privileges: nothing audited</strong>", "", ""]];
        return role.grants.map((g) => [
            html(db.database),
            html(role.name),
            html(`${g.schema}.${g.table}`),
            html(g.column ?? "(all)"),
            html(g.privilege + (g.grantee !== role.name ? ` via ${g.grantee}` : "")),
        ]);
    });
}

function objectAuditSection(report: PostureReport): string {
    const dbs = (report.posture.objectAudit ?? []).filter((d) => !d.readable || d.auditRoles.length > 0);
    const body = dbs.length
        ? table(["database", "audit role", "table", "column", "privilege"], dbs.flatMap(objectAuditRows))
        : "<p>No login role gets a pgaudit.role: no object audit logging.</p>";
    return `<section id="object-audit"><h2>Object audit coverage</h2><p>Statements logged for every user by the privileges of the audit role (pgaudit.role).</p>${body}</section>`;
}

function overridesSection(report: PostureReport): string {
    const o = report.posture.overrides;
    const body = o.length
        ? table(
              ["scope", "role", "database", "setting", "value", "written by"],
              o.map((x) => [
                  html(scopeLabel(x.scope)),
                  html("role" in x.scope ? x.scope.role : x.scope.kind === "all-roles" ? "(all)" : ""),
                  html("database" in x.scope ? x.scope.database : x.scope.kind === "all-roles" ? "(all)" : ""),
                  html(x.name),
                  `<code>${html(x.value === "" ? "''" : x.value)}</code>`,
                  `<code>${html(setStatementText(x.scope, x.name) ?? "")}</code>`,
              ]),
          )
        : "<p>None.</p>";
    return `<section id="overrides"><h2>Overrides in pg_db_role_setting (${o.length})</h2>${body}</section>`;
}

function serverSection(report: PostureReport): string {
    const s = report.posture.server;
    return `<section id="server"><h2>Server-wide settings</h2>${table(
        ["setting", "value", "source"],
        s.map((x) => [html(x.name), `<code>${html(x.value ?? "? (hidden)")}</code>`, html(x.source ?? "?")]),
    )}</section>`;
}

/** The report as one HTML page. */
export function renderHtml(report: PostureReport): string {
    const who = report.posture.connectedAs;
    const verdict = verdictOf(report);
    const hash = createHash("sha256").update(SCRIPT).digest("base64");
    const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'`;
    const nav = [
        ["violations", "Violations"],
        ["matrix", "Matrix"],
        ["exceptions", "Exceptions"],
        ["changes", "Changes"],
        ["object-audit", "Object audit"],
        ["overrides", "Overrides"],
        ["server", "Server"],
    ]
        .filter(([id]) => id !== "changes" || report.changes)
        .filter(([id]) => id !== "exceptions" || report.baseline?.exceptions)
        .map(([id, title]) => `<a href="#${id}">${title}</a>`)
        .join(" · ");
    return (
        `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
        `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
        `<meta name="viewport" content="width=device-width,initial-scale=1">` +
        `<title>pgaudit posture of ${html(who.host)}:${who.port}: ${verdict.toUpperCase()}</title><style>${CSS}</style></head><body>` +
        `<header><h1>pgaudit posture: <span class="verdict ${verdict}">${verdict.toUpperCase()}</span></h1>${facts(report)}</header>` +
        `<nav>${nav}</nav>` +
        violationsSection(report) +
        matrixSection(report) +
        exceptionsSection(report) +
        (report.changes ? changesSection(report.changes) : "") +
        objectAuditSection(report) +
        overridesSection(report) +
        serverSection(report) +
        `<footer><p>Written by pgaudit-posture from the catalog (pg_db_role_setting, pg_settings, pg_roles, pg_database).</p></footer>` +
        `<script>${SCRIPT}</script></body></html>\n`
    );
}
