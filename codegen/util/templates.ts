/**
 * Handlebars templates under codegen/templates/, compiled once. Templates only lay out text; the one
 * helper, `pad`, aligns columns (`{{pad name 40}}`: name, padded with spaces to 40 characters).
 */

import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packagePath } from './paths.js';

const cache = new Map<string, HandlebarsTemplateDelegate>();
const handlebars = Handlebars.create();
handlebars.registerHelper('pad', (text: unknown, width: unknown) => String(text).padEnd(Number(width)));

export function render(name: string, data: object): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(packagePath('codegen/templates', name), 'utf8');
    template = handlebars.compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(data);
}
