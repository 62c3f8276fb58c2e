/**
 * Commander options from a parameter declaration (core/params.ts): one option per parameter, its
 * help and default text from the declaration. Commander gets no default value, so a value that is
 * absent stays absent and `ParamSet.parse` applies the declared default (or the --quick one).
 */
import type { Command } from 'commander';
import { kebab, paramHelp, type ParamSet, type ParamShape } from '../core/params.js';

export function addParamOptions(cmd: Command, set: ParamSet<ParamShape>, helpPrefix = ''): Command {
  for (const [key, p] of Object.entries(set.shape)) {
    const flag = `--${p.flag ?? kebab(key)}`;
    cmd.option(p.kind === 'switch' ? flag : `${flag} ${p.placeholder}`, `${helpPrefix}${paramHelp(p)}`);
  }
  return cmd;
}
