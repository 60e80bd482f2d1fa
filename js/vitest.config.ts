import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vitest/config";

/** `import css from "./x.css"` gives the file's text, as esbuild's "text" loader does in build.mjs. */
function cssAsText(): Plugin {
  // A virtual id that does not end in ".css": Vite's and Vitest's CSS plugins would otherwise
  // turn the file into styles (or, in tests, into an empty module).
  const prefix = "\0xai-css-text:";
  const suffix = ".js";
  return {
    name: "xai-css-as-text",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!source.endsWith(".css") || !importer) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? prefix + resolved.id + suffix : null;
    },
    load(id) {
      if (!id.startsWith(prefix)) return null;
      const path = id.slice(prefix.length, -suffix.length);
      return `export default ${JSON.stringify(readFileSync(path, "utf8"))};`;
    },
  };
}

export default defineConfig({
  plugins: [cssAsText()],
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
