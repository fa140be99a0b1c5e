/** `pulumi-aiven-pgaudit/policy`: the pgaudit policies, to put in a policy pack of your own. */
export * from "./policies";
