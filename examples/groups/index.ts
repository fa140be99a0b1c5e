/**
 * Group scopes: every login member of `analysts` audits reads and writes, every login member of
 * `contractors` DDL, found at each `pulumi up --refresh` (directly or through other roles, recursively);
 * `alice` keeps her own declaration; a member of both gets both (docs/groups.md). The roles must
 * exist first. The CLI test of groups runs this program (test/cli/groups.test.ts).
 *
 *   pulumi config set --secret connection 'postgresql://avnadmin:…@host:port/defaultdb?sslmode=require'
 *   pulumi up
 *   # a scheduled drift check (both exit non-zero on a joiner, a leaver or a change by hand):
 *   pulumi refresh --yes --expect-no-changes
 *   pgaudit-posture --connection "$PG_URI" --require-group analysts:read,write --require-group contractors:ddl
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditScopes } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const audit = new PgAuditScopes("audit", {
    connection: config.requireSecret("connection"),
    scopes: [{ role: "alice", settings: { log: ["all"] } }],
    groups: [
        { group: "analysts", settings: { log: ["read", "write"] } },
        { group: "contractors", settings: { log: ["ddl"] } },
    ],
});

/** By group, the member scopes it holds and the line each holds: what `preview --diff` names. */
export const members = audit.members;
