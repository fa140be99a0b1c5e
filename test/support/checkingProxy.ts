/**
 * @pulumi/policy's unknownCheckingProxy with its type: the package's proxy.d.ts declares nothing,
 * so the re-export has none. It wraps props as the analyzer does, throwing on an unknown value read.
 */
import { unknownCheckingProxy } from "@pulumi/policy";

export const checkingProxy = unknownCheckingProxy as <T extends object>(props: T) => T;
