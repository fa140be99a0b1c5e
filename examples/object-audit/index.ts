/**
 * Object audit logging on any PostgreSQL 15+ with pgaudit loaded: every read of `cards.pan` and
 * every change of `public.cards` in database `shop`, by anyone. Needs database `shop` and the
 * table `public.cards(id int, holder text, pan text)` owned by the connecting role.
 *
 *   pulumi config set --secret connection 'postgresql://avnadmin:…@host:port/defaultdb?sslmode=require'
 *   pulumi up
 *   pgaudit-posture --connection 'postgresql://avnadmin@host:port/defaultdb?sslmode=require' --require-object 'public.cards(pan):select,update'
 */
import * as pulumi from "@pulumi/pulumi";
import { declareAuditedCards, declareAuditRoleSetting } from "./objectAudit";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");

export const pgauditRole = declareAuditRoleSetting(connection).scope;
export const audited = declareAuditedCards(connection).objects;
