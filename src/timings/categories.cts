/**
 * Tool name → category (Claude Code and MCP naming conventions). Its own CommonJS module because
 * the hook process (hook-main.cts) needs it and must not load the ES-module log parser: every
 * millisecond of start-up is paid on every tool call of every agent. formats.ts re-exports it.
 */

/** Category for a tool that the log did not categorise, from its name (Claude Code and MCP conventions). */
export function categorize(tool: string): string {
  const t = tool.toLowerCase();
  if (t.startsWith('mcp__')) {
    const server = t.slice(5).split('__')[0];
    return server ? `mcp:${server}` : 'mcp';
  }
  switch (t) {
    case 'bash': case 'bashoutput': case 'killshell': case 'killbash': return 'shell';
    case 'read': case 'write': case 'edit': case 'multiedit': case 'glob': case 'grep': case 'ls': case 'notebookedit': case 'notebookread': return 'file_ops';
    case 'webfetch': case 'websearch': return 'web';
    case 'task': return 'spawn';
    case 'todowrite': case 'todoread': return 'todo';
    default: {
      const u = t.indexOf('_');
      return u > 0 ? t.slice(0, u) : 'other';
    }
  }
}
