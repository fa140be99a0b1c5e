/** markdown-it's token stream walked depth first (inline tokens hold their children), for the report tests. */
import type MarkdownIt from "markdown-it";

export type MdToken = MarkdownIt.Token;

export function walkMarkdown(tokens: readonly MdToken[], visit: (t: MdToken) => void): void {
    for (const t of tokens) {
        visit(t);
        if (t.children) walkMarkdown(t.children, visit);
    }
}
