/**
 * A dynamic resource whose provider does nothing: what the SDK's provider host and its gRPC cost
 * per operation on this machine, whatever the provider does. The bench measures it in the same
 * run as PgAuditSetting, so the provider's own share can be told apart from the host's.
 */
import * as pulumi from "@pulumi/pulumi";

const nothingProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return { inputs: news };
    },
    async diff() {
        return { changes: false };
    },
    async create(inputs) {
        return { id: String(inputs.role), outs: inputs };
    },
};

export class DoNothing extends pulumi.dynamic.Resource {
    constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
        super(nothingProvider, name, args, undefined, "bench", "DoNothing");
    }
}
