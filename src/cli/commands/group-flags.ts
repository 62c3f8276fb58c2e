/**
 * Flags of a command group (`history`, `memory`, …) that its subcommands show too.
 *
 * WHY: commander lets a parent consume its own options wherever they appear, so in
 * `history remove ID --data-dir X` the `--data-dir` went to `history` and `remove` worked on the
 * default folder — it removed a run from the wrong history. A preAction hook on the group hands
 * every flag given to the parent on to the subcommand that runs (a repeatable flag adds up, a
 * flag given on both sides must agree), and refuses a flag the subcommand does not show in its
 * help rather than ignoring it.
 */
import type { Command, Option } from 'commander';
import { UsageError } from '../../core/errors.js';

function givenByUser(cmd: Command, key: string): boolean {
  const source = cmd.getOptionValueSource(key);
  return source === 'cli' || source === 'env';
}

function optionOf(cmd: Command, key: string): Option | undefined {
  return cmd.options.find((o) => o.attributeName() === key);
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Moves the flags the group's own parse took onto `sub`; throws UsageError for one `sub` does not take. */
export function adoptGroupFlags(group: Command, sub: Command): void {
  if (sub === group) return;
  for (const option of group.options) {
    const key = option.attributeName();
    if (!givenByUser(group, key)) continue;
    const flag = option.long ?? option.flags;
    const target = optionOf(sub, key);
    if (!target) throw new UsageError(`${flag}: not an option of "${commandPath(sub)}" (see swarmperf ${commandPath(sub)} --help)`);
    const parentValue: unknown = group.getOptionValue(key);
    if (givenByUser(sub, key)) {
      const ownValue: unknown = sub.getOptionValue(key);
      if (Array.isArray(parentValue) && Array.isArray(ownValue)) {
        sub.setOptionValueWithSource(key, [...(parentValue as unknown[]), ...(ownValue as unknown[])], 'cli');
      } else if (ownValue !== parentValue) {
        throw new UsageError(`${flag}: given twice with different values (${String(parentValue)} and ${String(ownValue)})`);
      }
      continue;
    }
    sub.setOptionValueWithSource(key, parentValue, 'cli');
  }
}

/**
 * Installs the hand-over on a command group; hooks of a parent run for its subcommands' actions,
 * so every subcommand (present and future) gets it.
 */
export function shareGroupFlags(group: Command): Command {
  return group.hook('preAction', (_hooked, actionCommand) => {
    // A deeper subcommand (group → sub → subsub) gets the flags of every level above it.
    const chain: Command[] = [];
    for (let c: Command | null = actionCommand; c && c !== group; c = c.parent) chain.unshift(c);
    let above = group;
    for (const c of chain) {
      adoptGroupFlags(above, c);
      above = c;
    }
  });
}
