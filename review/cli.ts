/**
 * `pgaudit-review`: `pulumi preview --json | npx pgaudit-review` prints, for the pgaudit scopes a
 * preview changes, each one with its settings before → after and whether it weakens auditing,
 * a verdict line first. `--format markdown` for a pull-request comment; `--fail-on-weaken` exits 1
 * on any weakening (and on anything it cannot read: a gate fails closed).
 */
import { parseArgs } from "node:util";
import { BASELINES, resolveBaseline, type Baseline } from "../baselines";
import { previewJsonSchema, reviewPreview, type Review, type ScopeChange } from "./changes";

const USAGE = `Usage: pulumi preview --json | pgaudit-review [--file PREVIEW.json] [--format text|markdown] [--baseline NAME|FILE] [--fail-on-weaken]

Reads the output of \`pulumi preview --json\` and prints every pgaudit scope the preview adds,
removes or changes (PgAuditSetting, PgAuditScopes, PgAuditLogging, aiven.Pg's pgaudit block), each
with its settings before and after and the ways it weakens auditing: classes lost, log_catalog off,
AUDIT lines sent to the client only, a scope reset, below the baseline. A scope that moves between
resources with its settings kept is no change.

  --file PATH          read the preview from PATH instead of standard input
  --format FORMAT      text (default) or markdown (a pull-request comment)
  --baseline NAME|FILE also report scopes the preview leaves below a baseline: ${Object.keys(BASELINES).join(", ")}, or a JSON file
  --fail-on-weaken     exit 1 when any scope weakens auditing or cannot be read
  --help               show this text

Exit status: 0 (or 1 with --fail-on-weaken and a weakening), 2 usage or unreadable input.
`;

export interface ReviewIo {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly readFile: (path: string) => string;
    readonly readStdin: () => Promise<string>;
}

function verdict(review: Review): string {
    const weak = review.changes.filter((c) => c.weakens.length > 0).length;
    if (review.changes.length === 0) return `pgaudit-review: no pgaudit scope changes`;
    const what = `${review.changes.length} ${review.changes.length === 1 ? "scope changes" : "scopes change"} in ${review.resourcesChanged} ${review.resourcesChanged === 1 ? "resource" : "resources"}`;
    return weak > 0 ? `pgaudit-review: WEAKENS auditing: ${weak} weakening, ${what}` : `pgaudit-review: ok: ${what}, none weakens auditing`;
}

const ARROW = "→";

function textLine(c: ScopeChange): string[] {
    const tag = c.weakens.length > 0 ? "WEAKENS" : c.kind === "added" ? "adds" : c.kind === "removed" ? "removes" : "changes";
    const settings =
        c.kind === "unreadable" ? "" : c.kind === "added" ? `: ${c.after}` : c.kind === "removed" ? `: ${c.before}` : `: ${c.before} ${ARROW} ${c.after}`;
    return [`  ${tag.padEnd(7)} ${c.scope}${settings}  [${c.resources.join(" → ")}]`, ...c.weakens.map((w) => `          ${w}`)];
}

/** Markdown text that renders as itself, on one table row: names and values come from programs and servers. */
function md(text: string): string {
    return text
        .replace(/&/g, "&amp;")
        .replace(/\r?\n/g, " ")
        .replace(/[\\`*_[\]<>|~]/g, (ch) => `\\${ch}`);
}

function markdown(review: Review): string {
    const lines = [`**${md(verdict(review))}**`, ""];
    if (review.changes.length === 0) return lines.join("\n") + "\n";
    lines.push("| | scope | before | after | weakens | resource |", "| --- | --- | --- | --- | --- | --- |");
    for (const c of review.changes) {
        const mark = c.weakens.length > 0 ? "⚠️" : c.kind === "added" ? "➕" : c.kind === "removed" ? "➖" : "✏️";
        lines.push(
            `| ${mark} | ${md(c.scope)} | ${md(c.before ?? "")} | ${md(c.after ?? "")} | ${c.weakens.map(md).join("<br>")} | ${c.resources.map(md).join(" → ")} |`,
        );
    }
    return lines.join("\n") + "\n";
}

/** Runs the command; resolves to the exit status. */
export async function runReviewCli(argv: readonly string[], io: ReviewIo): Promise<number> {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                file: { type: "string" },
                format: { type: "string", default: "text" },
                baseline: { type: "string" },
                "fail-on-weaken": { type: "boolean", default: false },
                help: { type: "boolean", default: false },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        io.stderr(`pgaudit-review: ${(err as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (values.help) {
        io.stdout(USAGE);
        return 0;
    }
    if (values.format !== "text" && values.format !== "markdown") {
        io.stderr(`pgaudit-review: --format: expected text or markdown, not ${JSON.stringify(values.format)}\n`);
        return 2;
    }
    let baseline: Baseline | undefined;
    if (values.baseline !== undefined) {
        try {
            baseline = Object.hasOwn(BASELINES, values.baseline)
                ? BASELINES[values.baseline]
                : resolveBaseline(JSON.parse(io.readFile(values.baseline)) as Parameters<typeof resolveBaseline>[0]);
        } catch (err) {
            io.stderr(`pgaudit-review: --baseline ${values.baseline}: ${(err as Error).message}\n`);
            return 2;
        }
    }
    const source = values.file ?? "standard input";
    let parsed;
    try {
        const text = values.file !== undefined ? io.readFile(values.file) : await io.readStdin();
        parsed = previewJsonSchema.safeParse(JSON.parse(text));
    } catch (err) {
        io.stderr(`pgaudit-review: ${source} is not JSON (${(err as Error).message}): give it the output of \`pulumi preview --json\`\n`);
        return 2;
    }
    if (!parsed.success) {
        io.stderr(`pgaudit-review: ${source}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}\n`);
        return 2;
    }
    const review = reviewPreview(parsed.data, baseline);
    io.stdout(values.format === "markdown" ? markdown(review) : [verdict(review), ...review.changes.flatMap(textLine)].join("\n") + "\n");
    return values["fail-on-weaken"] && review.changes.some((c) => c.weakens.length > 0) ? 1 : 0;
}
