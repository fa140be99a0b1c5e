/**
 * The owner label a resource puts in its inputs: the program knows its stack and the resource's
 * name, the dynamic provider does not (it gets no URN). No node-postgres here: components import it.
 */
import * as pulumi from "@pulumi/pulumi";

export function ownerLabel(kind: string, name: string): { stack: string; resource: string } {
    return { stack: `${pulumi.getProject()}/${pulumi.getStack()}`, resource: `${kind} ${JSON.stringify(name)}` };
}
