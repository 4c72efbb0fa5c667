#!/usr/bin/env node
// Entry point for the `nicsched` CLI. The compiler is TypeScript under codegen/, built to dist/.
import { main } from '../dist/codegen/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
