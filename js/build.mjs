// Bundles each widget into one self-contained ESM: anywidget loads `_esm` from a Blob URL,
// so relative imports or split chunks could never be resolved.
import { build } from "esbuild";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const outdir = join(here, "..", "xaiwidgets", "static");
const entries = ["comparison", "standalone", "tree", "timeline", "relevance", "redescriptions", "overview"];

/** CSS files become text that the view base injects (lib/view.ts), never separate stylesheets;
 * comments and runs of blanks are dropped (single spaces, as in `content: " ▴"`, are kept). */
const cssAsText = {
  name: "css-as-text",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, ({ path }) => ({
      contents: readFileSync(path, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\s+/g, " ")
        .replace(/ ?([{};]) ?/g, "$1")
        .trim(),
      loader: "text",
    }));
  },
};

await build({
  entryPoints: Object.fromEntries(entries.map((n) => [n, join(here, "src", `${n}.ts`)])),
  outdir,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  splitting: false,
  sourcemap: false,
  legalComments: "none",
  plugins: [cssAsText],
  logLevel: "warning",
});

for (const n of entries) {
  const kb = statSync(join(outdir, `${n}.js`)).size / 1024;
  console.log(`${n}.js  ${kb.toFixed(1)} KB`);
}
