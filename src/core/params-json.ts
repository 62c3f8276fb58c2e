/**
 * The MCP side of declared parameters (core/params.ts): a zod input field per parameter, built from
 * its JSON type, described by the same help text, with the declared default in the JSON schema.
 * Values are parsed afterwards by `ParamSet.parse`, so the JSON carries the flag syntax ("500ms").
 */
import { z } from 'zod';
import { jsonDefault, paramHelp, type JsonType, type Param, type ParamSet, type ParamShape } from './params.js';

function zodFor(t: JsonType): z.ZodType {
  switch (t.type) {
    case 'integer':
      return z.number().int().min(t.min).max(t.max);
    case 'number':
      return z.number().gt(t.above).max(t.max);
    case 'string':
      return z.string().min(1).max(t.maxLength);
    case 'string-or-integer':
      return z.union([z.string().min(1).max(t.maxLength), z.number().int()]);
    case 'enum':
      return z.enum(t.values as [string, ...string[]]);
    case 'boolean':
      return z.boolean();
  }
}

/** One optional input field for a parameter. */
export function jsonField(p: Param<unknown>, helpPrefix = ''): z.ZodType {
  let field = zodFor(p.json);
  // Advertised only (not applied by zod): parse applies it, or the --quick one when asked.
  if (p.default !== undefined && p.kind !== 'switch') field = field.meta({ default: jsonDefault(p) });
  return field.optional().describe(`${helpPrefix}${paramHelp(p)}`);
}

/** The MCP input fields of a parameter set, by key. */
export function jsonShape<S extends ParamShape>(set: ParamSet<S>, helpPrefix = ''): Record<string, z.ZodType> {
  const fields: Record<string, z.ZodType> = {};
  for (const [key, p] of Object.entries(set.shape)) fields[key] = jsonField(p, helpPrefix);
  return fields;
}
