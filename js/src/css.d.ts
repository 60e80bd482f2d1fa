// Stylesheets are imported as text (esbuild's "text" loader in build.mjs, a transform in
// vitest.config.ts) and injected by the view base (lib/view.ts).
declare module "*.css" {
  const text: string;
  export default text;
}
