/**
 * PgAuditSetting against any PostgreSQL 15+ with pgaudit loaded: the per-database and per-role
 * audit settings of a small shop. Needs database `shop` and roles `app` and `reporting`.
 *
 *   pulumi config set --secret connection 'postgresql://avnadmin:…@host:port/defaultdb?sslmode=require'
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { declarePosture } from "./posture";

const config = new pulumi.Config();
const posture = declarePosture(config.requireSecret("connection"));

export const scopes = Object.values(posture).map((s) => s.scope);
export const shopLog = posture.shop.settings.apply((s) => s.log);
