/**
 * PgAuditSetting and PgAuditObjectAudit against any PostgreSQL 15+ with pgaudit loaded: the
 * per-database and per-role audit settings of a small shop, and one audited table. Needs database
 * `shop` (owned by the connecting role), roles `app` and `reporting`, and table `public.cards(id,
 * holder, pan)` in `shop` owned by the connecting role.
 *
 *   pulumi config set --secret connection 'postgresql://avnadmin:…@host:port/defaultdb?sslmode=require'
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { declarePosture } from "./posture";

const config = new pulumi.Config();
const { cards, ...settings } = declarePosture(config.requireSecret("connection"));

export const scopes = Object.values(settings).map((s) => s.scope);
export const shopLog = settings.shop.settings.apply((s) => s.log);
export const auditedObjects = cards.objects;
