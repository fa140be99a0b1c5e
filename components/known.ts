/**
 * Validation as early as the values allow. Plain values are checked while the program runs, so bad
 * input fails `pulumi preview` before anything is registered. Values that are Outputs can only be
 * checked once they resolve: in an apply, which still fails the preview when they are known then.
 */
export { isPlain, whenKnown } from "../provider/core/constructionCheck";
