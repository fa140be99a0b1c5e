/** Reads fenced code blocks out of Markdown, so that the docs' snippets are compiled by the tests. */

export interface CodeBlock {
    /** 1-based line of the opening fence. */
    readonly line: number;
    readonly code: string;
}

/** Every ```ts / ```typescript block, unindented (a block inside a list item is indented). */
export function typescriptBlocks(markdown: string): CodeBlock[] {
    const blocks: CodeBlock[] = [];
    const lines = markdown.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
        if (!open) continue;
        const indent = open[1].length;
        const body: string[] = [];
        let j = i + 1;
        for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(Math.min(indent, lines[j].search(/\S|$/))));
        blocks.push({ line: i + 1, code: body.join("\n") });
        i = j;
    }
    return blocks;
}
