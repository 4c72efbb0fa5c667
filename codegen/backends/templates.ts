/** Handlebars templates under codegen/templates/, compiled once. Templates only lay out text. */

import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packagePath } from '../util/paths.js';

const cache = new Map<string, HandlebarsTemplateDelegate>();

export function render(name: string, data: object): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(packagePath('codegen/templates', name), 'utf8');
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(data);
}
